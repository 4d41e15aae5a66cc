"""TEST release keys: the private halves of firmware/release_keys.TEST_KEYS, published on
purpose so that the emulator, the tests and the benches can sign updates (emulator/
releases.py). Anyone can sign with them: only the boards of release_keys.TEST_BOARDS take
what they sign. tla's real release keys are made offline and never enter a repository
(docs/board.md "Making the release keys")."""

TEST_PRIVATE = (
    0xE486715869C92E29875F62C6FA0AAAC20ACEB4CCD0ED9F90832706607707E708,
    0x5159E947B73A244BE2E2A0967D3975A08C15F5C1234D004B551ABE47C5DBF85C,
    0x5CECC2B45112D6E4E41F9CC3BF46338E2B4F4FA7D77BA6D55CD0852859214351,
)
