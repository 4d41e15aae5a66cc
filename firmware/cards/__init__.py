"""The card layer of the terminal: tla's card profiles, APDUs, BER-TLV, typed errors, and
the Vitale and CPS applications."""
