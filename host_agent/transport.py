"""Opening the terminal's port: any URL pyserial understands (a device path such as
/dev/ttyACM0, a pty, socket://host:port, loop://), and finding USB terminals by their
vendor and product ids (serial.tools.list_ports)."""

import serial
from serial.tools import list_ports

from host_agent.errors import EXIT_LINK, AgentError

# A tla terminal on USB is a CDC-ACM serial port. The reference board is a Raspberry Pi
# RP2040 running MicroPython, which enumerates as 2E8A:0005.
USB_VID = 0x2E8A
USB_PID = 0x0005


class TransportError(AgentError):
    """The port could not be opened or failed; the message is one plain sentence."""

    exit_code = EXIT_LINK
    french_default = "Le terminal ne répond pas sur ce port : vérifiez le câble, puis recommencez."


def open_port(url: str, baudrate: int = 115200, timeout: float = 0.05) -> serial.SerialBase:
    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, write_timeout=5)
    except (serial.SerialException, ValueError, OSError) as e:
        raise TransportError("cannot open the terminal's port %s: %s" % (url, _reason(e))) from e
    return port


def find_terminals(vid: int = USB_VID, pid: int = USB_PID) -> list[str]:
    """Device paths of the USB serial ports with these ids, sorted."""
    return sorted(p.device for p in list_ports.comports() if p.vid == vid and p.pid == pid)


def _reason(e: Exception) -> str:
    text = str(e)
    if "No such file" in text or "could not open port" in text and "Errno 2" in text:
        return "no such port (is the terminal plugged in?)"
    if "Permission denied" in text:
        return "permission denied (add yourself to the dialout group)"
    return text
