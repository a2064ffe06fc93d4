"""IIIF Presentation 3 manifest: loads in iiif-prezi3's (pydantic) models; one canvas per
page with its size, image and ALTO; articles as ranges over the right canvas parts."""

from __future__ import annotations

import json

import iiif_prezi3
import pytest
from serialize_samples import issue

from digitize.serialize.iiif import ALTO_PROFILE, iiif_manifest

BASE = "https://library.example.org/papers/jintan-20191219"
IMAGES = {1: "page-1.png", 2: "page-4.png"}
ALTO = {1: "page-1.xml", 2: "page-4.xml"}


def _manifest(**kw: object) -> dict[str, object]:
    raw = iiif_manifest(issue(), BASE, IMAGES, alto_names=ALTO, pdf_name="issue.pdf", **kw)  # type: ignore[arg-type]
    data = json.loads(raw)
    assert isinstance(data, dict)
    return data


def test_manifest_loads_in_iiif_prezi3() -> None:
    data = _manifest()
    model = iiif_prezi3.Manifest.model_validate(data)
    assert str(model.id) == f"{BASE}/manifest.json"
    assert len(model.items) == 2
    assert model.structures is not None and len(model.structures) == 3


def test_canvases_images_and_alto() -> None:
    data = _manifest()
    canvases = data["items"]
    assert isinstance(canvases, list) and len(canvases) == 2
    c1, c2 = canvases
    assert (c1["width"], c1["height"]) == (1000, 1400)
    assert c2["label"] == {"none": ["4"]}  # the printed page number
    anno = c1["items"][0]["items"][0]
    assert anno["motivation"] == "painting" and anno["target"] == c1["id"]
    assert anno["body"]["id"] == f"{BASE}/page-1.png"
    assert anno["body"]["format"] == "image/png"
    (see,) = c2["seeAlso"]
    assert see["id"] == f"{BASE}/page-4.xml"
    assert see["format"] == "application/xml" and see["profile"] == ALTO_PROFILE
    assert data["rendering"][0]["format"] == "application/pdf"  # type: ignore[index]


def test_articles_are_ranges_over_canvas_parts() -> None:
    data = _manifest()
    ranges = data["structures"]
    assert isinstance(ranges, list)
    jumped = ranges[0]
    assert jumped["label"] == {"zh": ["我市召开经济工作会议"]}
    targets = [item["id"] for item in jumped["items"]]
    assert [t.split("#")[0] for t in targets] == [f"{BASE}/canvas/p1", f"{BASE}/canvas/p2"]
    # page 2's part: regions j2, body3, photo2, cap2 span x 100..460, y 120..425 (no skew)
    assert targets[1].endswith("#xywh=98,118,364,309")


def test_base_url_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute"):
        iiif_manifest(issue(), "papers/issue", IMAGES)
    local = json.loads(iiif_manifest(issue(), "file:///srv/out/issue/", IMAGES))
    iiif_prezi3.Manifest.model_validate(local)
    assert (
        local["items"][0]["items"][0]["items"][0]["body"]["id"]
        == "file:///srv/out/issue/page-1.png"
    )
