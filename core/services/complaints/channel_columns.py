"""The columns of the kabupaten channel's export, each with the headers offices and
channels write for it (matched without case, spacing or punctuation)."""

from __future__ import annotations

# The columns, each with the headers offices and channels write for it.
COLUMNS: dict[str, tuple[str, ...]] = {
    "nomor": (
        "nomor",  # not "no" nor "kode": a spreadsheet's running number 1, 2, 3 ... is not
        "nomor laporan",  # the channel's reference, and would match next month's file
        "no laporan",
        "nomor pengaduan",
        "no pengaduan",
        "nomor tiket",
        "no tiket",
        "nomor rujukan",
        "no rujukan",
        "nomor referensi",
        "kode laporan",
        "id laporan",
        "id pengaduan",
    ),
    "tanggal": (
        "tanggal",
        "tgl",
        "tanggal disposisi",
        "tgl disposisi",
        "tanggal diterima",
        "tgl diterima",
        "tanggal laporan",
        "tgl laporan",
        "tanggal pengaduan",
        "tgl pengaduan",
        "tanggal masuk",
    ),
    "kecamatan": ("kecamatan", "kec", "nama kecamatan", "kecamatan tujuan", "disposisi ke"),
    "kategori": (
        "kategori",
        "jenis",
        "jenis pengaduan",
        "kategori pengaduan",
        "jenis laporan",
        "topik",
    ),
    "uraian": (
        "uraian",
        "isi",
        "isi laporan",
        "isi pengaduan",
        "uraian pengaduan",
        "uraian laporan",
        "deskripsi",
        "laporan",
        "pengaduan",
    ),
    "desa": ("desa", "desa kelurahan", "kelurahan", "desa kel", "lokasi desa"),
}
