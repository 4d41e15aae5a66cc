"""Virtual smart cards (tla's Vitale and CPS profiles, bad cards) and their test PKI."""
