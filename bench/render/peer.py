"""Peer writers for bench/render/run.sh: the same `faulty.bigrows` rows (n, 80 x "x", n/100
with two decimals) written by Python.

  peer.py csv  ROWS OUT   Python's csv module (stdlib): byte-identical to reportd's CSV
  peer.py xlsx ROWS OUT   XlsxWriter (PyPI) in constant_memory mode, the Python sibling of
                          rust_xlsxwriter, continuing on a new sheet every 1,048,575 rows
"""

import csv
import sys

PER_SHEET = 1_048_575
TEXT = "x" * 80


def write_csv(rows, out):
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["N", "Texto", "X"])
        for n in range(rows):
            w.writerow([n, TEXT, f"{n // 100}.{n % 100:02d}"])


def write_xlsx(rows, out):
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = None
    r = 0
    for n in range(rows):
        if sheet is None or r > PER_SHEET:
            sheet = book.add_worksheet()
            sheet.write_row(0, 0, ["N", "Texto", "X"])
            r = 1
        sheet.write_number(r, 0, n)
        sheet.write_string(r, 1, TEXT)
        sheet.write_number(r, 2, n / 100)
        r += 1
    book.close()


if __name__ == "__main__":
    kind, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    {"csv": write_csv, "xlsx": write_xlsx}[kind](rows, out)
