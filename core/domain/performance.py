"""Vocabulary of the non-complaint IKU records: activities (IKU3) and documents (IKU1)."""

from __future__ import annotations

from enum import StrEnum


class ActivityStatus(StrEnum):
    DIRENCANAKAN = "direncanakan"
    TERLAKSANA = "terlaksana"
    DITUNDA = "ditunda"
    BATAL = "batal"


class DocumentKind(StrEnum):
    """The IKU1 document kinds named by the decree."""

    LAKIP = "lakip"
    ANJAB = "anjab"
    ABK = "abk"
    PETA_JABATAN = "peta-jabatan"
    EVALUASI_KELEMBAGAAN = "evaluasi-kelembagaan"
    LAPORAN_SISTEM_KERJA = "laporan-sistem-kerja"
    STANDAR_PELAYANAN = "standar-pelayanan"
    SOP_PELAYANAN = "sop-pelayanan"
    LAPORAN_SKM = "laporan-skm"
    LAPORAN_FKP = "laporan-fkp"
    PETA_PROSES_BISNIS = "peta-proses-bisnis"


class IkuCode(StrEnum):
    IKU1 = "IKU1"
    IKU2 = "IKU2"
    IKU3 = "IKU3"
    IKU4 = "IKU4"
    IKU5 = "IKU5"
    IKU6 = "IKU6"


IKU_NAMES: dict[IkuCode, str] = {
    IkuCode.IKU1: "Jumlah dokumen penataan organisasi dan tata laksana",
    IkuCode.IKU2: "Indeks Kepuasan Masyarakat (IKM)",
    IkuCode.IKU3: "Persentase fasilitasi kesejahteraan masyarakat",
    IkuCode.IKU4: "Persentase penyelesaian laporan pelanggaran trantib",
    IkuCode.IKU5: "Nilai SAKIP OPD",
    IkuCode.IKU6: "Persentase indikator program yang tercapai",
}
