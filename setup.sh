#!/usr/bin/env bash
# One-time (and idempotent) set-up: Debian packages, a virtual environment in .venv, the
# package with its test tools, and the OCR model manifest check. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")"

# Every Debian package the code and the tests refer to (tests/test_environment.py checks each
# font and program by path and names the package that provides it).
DEB_PACKAGES=(poppler-utils fonts-noto-cjk fonts-noto-cjk-extra fonts-arphic-uming fonts-arphic-ukai
              fonts-wqy-zenhei fonts-wqy-microhei libgl1 libglib2.0-0 chromium tesseract-ocr
              tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-chi-sim-vert
              tesseract-ocr-chi-tra-vert time)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev,dask]'

# rapidocr pulls opencv-python-headless, paddlex pins opencv-contrib-python; both install
# the same cv2 package and the second overwrites the first. Keep exactly one provider.
if .venv/bin/python -m pip show -q opencv-python-headless >/dev/null 2>&1 \
   || .venv/bin/python -m pip show -q opencv-python >/dev/null 2>&1; then
    .venv/bin/python -m pip uninstall -q -y opencv-python-headless opencv-python
    .venv/bin/python -m pip install -q --force-reinstall --no-deps opencv-contrib-python==4.10.0.84
fi
.venv/bin/python -c "import cv2; cv2.imread" >/dev/null

# Benchmark reference only (benchmarks/throughput.py): full-page RapidOCR with PP-OCRv4 mobile
# det/cls/rec, bundled in this wheel. --no-deps: it requires opencv-python, which would
# overwrite our cv2 (see above); its other requirements are already installed.
.venv/bin/python -m pip install -q --no-deps rapidocr-onnxruntime==1.4.4
echo "setup: ready (.venv)"
