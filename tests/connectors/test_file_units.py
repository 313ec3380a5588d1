"""Unreadable units in the file connectors: truncated ADT batches, mixed-encoding CSV rows."""

from __future__ import annotations

from pathlib import Path

from connectors.hospital import AdtFileConnector
from connectors.rehab_station import StationFilesConnector
from connectors.rehab_station.files import decode_export

_MESSAGE = (
    "MSH|^~\\&|HIS|XHMHC|CAREHUB|310104|20230101080000||ADT^A01^ADT_A01|{id}|P|2.5\r"
    "EVN|A01|20230101080000\rPID|1||H00000001^^^HIS^PI||张三||19800101|M\r"
    "PV1|1|I|W01^^^XHMHC|||||||||||||||||ZY00000001\r"
)


def test_truncated_adt_batch_quarantines_its_last_message_and_acks_ae(tmp_path: Path):
    body = "FHS|^~\\&\rBHS|^~\\&\r" + _MESSAGE.format(id="MSG1") + _MESSAGE.format(id="MSG2")
    (tmp_path / "ADT_20230101.hl7").write_text(body[:-30], encoding="utf-8")
    connector = AdtFileConnector("adt", tmp_path)
    pages = list(connector.pages(None))
    connector.after_landed(pages[0])
    records = pages[0].records
    assert [r.source_key for r in records] == ["MSG1", None]
    assert "truncated" in (records[1].problem or "")
    ack = (tmp_path / "ack" / "ADT_20230101.hl7.ack").read_text(encoding="utf-8")
    assert "MSA|AA|MSG1" in ack
    assert "MSA|AE|MSG2" in ack


def test_utf8_row_pasted_into_a_gb18030_export_is_read(tmp_path: Path):
    header = "事件编号,登记编号,发生时间,危险性等级\r\n".encode("gb18030")
    gb_row = "YJ1,3101040000001,2023-01-02 10:00,3\r\n".encode("gb18030")
    utf8_row = "YJ2,3101040000002,2023-01-03 11:00,2 备注\u00e9\r\n".encode()
    data = header + gb_row + utf8_row
    text, cut = decode_export(data, "x.csv")
    assert not cut
    assert "备注é" in text
    (tmp_path / "应急处置_202301.csv").write_bytes(data)
    records = [r for p in StationFilesConnector("s", tmp_path).pages(None) for r in p.records]
    assert [r.source_key for r in records] == ["YJ1", "YJ2"]


def test_truncated_csv_last_row_is_a_problem(tmp_path: Path):
    text = "事件编号,登记编号,发生时间,危险性等级\r\nYJ1,3101040000001,2023-01-02 10:00,3\r\n"
    data = (text + "YJ2,31010").encode("gb18030")
    (tmp_path / "应急处置_202301.csv").write_bytes(data)
    records = [r for p in StationFilesConnector("s", tmp_path).pages(None) for r in p.records]
    assert records[0].problem is None
    assert "truncated" in (records[1].problem or "")


def _emergency_file(folder: Path, month: str, first: int, rows: int) -> None:
    lines = ["事件编号,登记编号,发生时间,危险性等级"]
    lines += [f"YJ{n},3101040000001,2023-01-02 10:00,1" for n in range(first, first + rows)]
    (folder / f"应急处置_{month}.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode())


def test_small_station_files_share_a_page_and_a_large_one_is_split(tmp_path: Path):
    for month, first, rows in (("202301", 0, 3), ("202302", 10, 4), ("202303", 20, 9)):
        _emergency_file(tmp_path, month, first, rows)
    connector = StationFilesConnector("s", tmp_path, rows_per_page=6)
    pages = list(connector.pages(None))
    keys = [[r.source_key for r in p.records] for p in pages]
    assert [len(k) for k in keys] == [6, 6, 4]
    assert keys[0] == ["YJ0", "YJ1", "YJ2", "YJ10", "YJ11", "YJ12"]
    # resuming from every checkpoint yields exactly the rows after it
    every = [k for page in keys for k in page]
    for number, page in enumerate(pages):
        again = StationFilesConnector("s", tmp_path, rows_per_page=6).pages(page.cursor)
        assert [r.source_key for p in again for r in p.records] == every[6 * (number + 1) :]


def test_adt_acks_only_the_pages_committed_when_pages_are_pulled_ahead(tmp_path: Path):
    for day in ("20230101", "20230102"):
        (tmp_path / f"ADT_{day}.hl7").write_text(_MESSAGE.format(id=f"M{day}"), encoding="utf-8")
    connector = AdtFileConnector("adt", tmp_path, messages_per_page=1)
    first, second = list(connector.pages(None))  # both pulled before either is committed
    connector.after_landed(first)
    acks = sorted(p.name for p in (tmp_path / "ack").iterdir())
    assert acks == ["ADT_20230101.hl7.ack"]
    connector.after_landed(second)
    assert len(list((tmp_path / "ack").iterdir())) == 2


def test_an_adt_message_gives_the_marital_status_and_ethnic_group_of_pid() -> None:
    from connectors.hospital.adt import parse_adt

    pid = "PID|1||H00000001^^^HIS^PI||张三||19800101|M||||||||20||||||01"
    text = _MESSAGE.format(id="M1").replace("PID|1||H00000001^^^HIS^PI||张三||19800101|M", pid)
    payload = parse_adt(text.rstrip("\r"))
    assert (payload["marital_status"], payload["ethnicity"]) == ("20", "01")
    bare = parse_adt(_MESSAGE.format(id="M2").rstrip("\r"))
    assert "marital_status" not in bare
    assert "ethnicity" not in bare
