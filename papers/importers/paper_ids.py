"""A set of paper ids that stays small however many an import touches."""

from collections.abc import Iterable


class PaperIdSet:
    """Paper ids as a bitmap: a million ids (allocated in runs by the papers' sequence) take ~125 KB, where a
    set of ints takes ~60 MB."""

    def __init__(self):
        self._bits = bytearray()

    def update(self, ids: Iterable[int]) -> None:
        bits = self._bits
        for paper_id in ids:
            byte = paper_id >> 3
            if byte >= len(bits):
                bits.extend(bytes(max(byte + 1 - len(bits), len(bits) // 2)))
            bits[byte] |= 1 << (paper_id & 7)

    def __contains__(self, paper_id: int) -> bool:
        byte = paper_id >> 3
        return byte < len(self._bits) and bool(self._bits[byte] >> (paper_id & 7) & 1)
