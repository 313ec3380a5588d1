"""The simulated district: its code, streets (sub-districts), neighbourhoods and roads."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DISTRICT_CODE", "DISTRICT_NAME", "STREETS", "Street"]

DISTRICT_CODE = "310104"  # GB/T 2260: 上海市徐汇区
DISTRICT_NAME = "上海市徐汇区"


@dataclass(frozen=True)
class Street:
    """A sub-district (street or township) with its local code and a few roads."""

    code: str  # district code + 3 digits
    name: str
    roads: tuple[str, ...]

    @property
    def station_code(self) -> str:
        """Code of the community health service centre (the rehabilitation station)."""
        return f"PHC{self.code}"

    @property
    def station_name(self) -> str:
        """Name of the community health service centre."""
        return f"徐汇区{self.name.removesuffix('街道').removesuffix('镇')}社区卫生服务中心"

    def neighbourhood(self, i: int) -> str:
        """Name of the i-th neighbourhood committee of the street."""
        return f"{self.roads[i % len(self.roads)]}第{i // len(self.roads) + 1}居委会"


STREETS: tuple[Street, ...] = (
    Street("310104001", "天平路街道", ("天平路", "衡山路", "宛平路")),
    Street("310104002", "湖南路街道", ("湖南路", "武康路", "复兴西路")),
    Street("310104003", "斜土路街道", ("斜土路", "大木桥路", "小木桥路")),
    Street("310104004", "枫林路街道", ("枫林路", "零陵路", "东安路")),
    Street("310104005", "长桥街道", ("龙川北路", "百色路", "罗秀路")),
    Street("310104006", "田林街道", ("田林路", "田林东路", "柳州路")),
    Street("310104007", "虹梅路街道", ("虹梅路", "古美路", "钦州北路")),
    Street("310104008", "康健新村街道", ("康健路", "桂林路", "浦北路")),
    Street("310104009", "徐家汇街道", ("虹桥路", "漕溪北路", "天钥桥路")),
    Street("310104010", "凌云路街道", ("凌云路", "梅陇路", "华理路")),
    Street("310104011", "龙华街道", ("龙华路", "龙吴路", "丰谷路")),
    Street("310104012", "漕河泾街道", ("漕宝路", "田州路", "宜山路")),
    Street("310104013", "华泾镇", ("华泾路", "龙吴路", "景东路")),
)
