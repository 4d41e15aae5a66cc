"""Opening the terminal's port: any URL pyserial understands (a device path such as
/dev/ttyACM0, a pty, socket://host:port, loop://)."""

import serial


class TransportError(Exception):
    """The port could not be opened or failed; the message is one plain sentence."""


def open_port(url: str, baudrate: int = 115200, timeout: float = 0.05) -> serial.SerialBase:
    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, write_timeout=5)
    except (serial.SerialException, ValueError, OSError) as e:
        raise TransportError("cannot open the terminal's port %s: %s" % (url, _reason(e))) from e
    return port


def _reason(e: Exception) -> str:
    text = str(e)
    if "No such file" in text or "could not open port" in text and "Errno 2" in text:
        return "no such port (is the terminal plugged in?)"
    if "Permission denied" in text:
        return "permission denied (add yourself to the dialout group)"
    return text
