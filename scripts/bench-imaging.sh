#!/usr/bin/env bash
# Compares the product's imaging code with libvips and ImageMagick on the same generated
# 12-megapixel and 2-megapixel JPEGs, for the four operations every batch does:
#
#   fit1200    fit into 1200x1200, padded with white
#   cover400   400x400, centre crop
#   canvas800  the picture at 80% on an 800x800 white canvas
#   watermark  PNG logo (20% of the width, 50% opacity, bottom right) at full size
#
# Every tool writes a quality-90 JPEG. Each command runs RUNS times after one warm-up; the
# script prints the median wall time, the peak resident memory (max RSS, /usr/bin/time) and
# the ratios product/libvips and product/ImageMagick.
#
# Two comparisons are made:
# - in-process (the way the workers run): the product's example binary loops over the
#   operation; libvips runs the same pipeline in one Python process through pyvips
#   (scripts/bench_vips.py). Neither counts process start. This is the ratio that matters.
# - one process per picture: the product's binary, the vips/vipsthumbnail commands (two
#   processes where the operation is two steps, both counted) and ImageMagick's convert, each
#   under /usr/bin/time for the peak memory. ImageMagick gets the jpeg:size hint, so it too
#   shrinks while decoding.
#
# Needs: Debian packages libvips-tools, imagemagick, time; a Rust toolchain; for the
# in-process libvips column `pip install pyvips` (skipped with a note when missing).
# Usage: scripts/bench-imaging.sh [RUNS]      (default 7)
set -euo pipefail

RUNS=${1:-7}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MAGICK=/usr/bin/convert # /usr/local/bin/convert may be a stand-in on dev machines
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

for tool in vips vipsthumbnail "$MAGICK" /usr/bin/time; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: apt-get install libvips-tools imagemagick time" >&2
        exit 1
    }
done

(cd "$ROOT" && cargo build --release --quiet --example bench_imaging)
BIN=$CARGO_TARGET_DIR/release/examples/bench_imaging
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$BIN" generate "$WORK"
RSS_LOG=$WORK/rss.log

# Field $2 of the geometry line of size $1 (2 width, 3 height, 4 mark x, 5 mark y, 6 margin).
geo() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$WORK/geometry.txt"; }

# Runs one step under /usr/bin/time, appending its peak RSS (KiB) to RSS_LOG.
step() { /usr/bin/time -f %M -a -o "$RSS_LOG" "$@" >/dev/null; }

# --- the three implementations: $1 = op, $2 = input, $3 = size name --------------------
product() { step "$BIN" run "$1" "$2" "$WORK/out.jpg" "$WORK/mark.png"; }

vips_op() {
    local op=$1 in=$2 out=$WORK/out.jpg[Q=90] tmp=$WORK/tmp.v
    local white=(--extend background --background "255 255 255")
    case $op in
    fit1200)
        step vipsthumbnail "$in" --size 1200x1200 -o "$tmp"
        step vips gravity "$tmp" "$out" centre 1200 1200 "${white[@]}" ;;
    cover400) step vipsthumbnail "$in" --size 400x400 --smartcrop centre -o "$out" ;;
    canvas800)
        step vipsthumbnail "$in" --size 640x640 -o "$tmp"
        step vips gravity "$tmp" "$out" centre 800 800 "${white[@]}" ;;
    watermark)
        # The mark is pre-sized and pre-faded by `generate`; the base is opaque, so the alpha
        # band composite2 adds is 255 everywhere and dropping it on save loses nothing.
        step vips composite2 "$in" "$WORK/mark_$3.png" "$out" over --x "$(geo "$3" 4)" \
            --y "$(geo "$3" 5)" ;;
    esac
}

magick_op() {
    local op=$1 in=$2 out=$WORK/out.jpg
    case $op in
    fit1200) step "$MAGICK" -define jpeg:size=2400x2400 "$in" -resize 1200x1200 \
        -background white -gravity center -extent 1200x1200 -quality 90 "$out" ;;
    cover400) step "$MAGICK" -define jpeg:size=800x800 "$in" -resize '400x400^' \
        -gravity center -extent 400x400 -quality 90 "$out" ;;
    canvas800) step "$MAGICK" -define jpeg:size=1280x1280 "$in" -resize 640x640 \
        -background white -gravity center -extent 800x800 -quality 90 "$out" ;;
    watermark)
        local m
        m=$(geo "$3" 6)
        step "$MAGICK" "$in" "$WORK/mark_$3.png" -gravity southeast -geometry "+$m+$m" \
            -composite -quality 90 "$out" ;;
    esac
}

# Prints "median_ms max_rss_mib" for RUNS runs of a function (after one warm-up).
measure() {
    local times=() start end
    "$@"
    : >"$RSS_LOG"
    for _ in $(seq "$RUNS"); do
        start=$(date +%s%N)
        "$@"
        end=$(date +%s%N)
        times+=($(((end - start) / 1000)))
    done
    local median rss
    median=$(printf '%s\n' "${times[@]}" | sort -n |
        awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] / 1000 }')
    rss=$(sort -n "$RSS_LOG" | tail -1 | awk '{ printf "%.0f", $1 / 1024 }')
    echo "$median $rss"
}

HAVE_PYVIPS=1
python3 -c 'import pyvips' 2>/dev/null || HAVE_PYVIPS=0

printf '%-5s %-9s | %-17s %7s | %-26s %-14s | %s\n' '' '' \
    'in-process ms' 'ratio' 'one process per picture, ms' 'peak RSS MB' 'ratio'
printf '%-5s %-9s | %8s %8s %7s | %8s %8s %8s | %4s %4s %4s | %7s %7s\n' size op \
    product libvips p/vips product libvips magick prod vips im p/vips p/im
for size in 12mp 2mp; do
    in=$WORK/photo_$size.jpg
    for op in fit1200 cover400 canvas800 watermark; do
        inproc=$("$BIN" loop "$op" "$in" "$WORK/mark.png" "$RUNS")
        vips_inproc=nan
        if [ "$HAVE_PYVIPS" = 1 ]; then
            vips_inproc=$(python3 "$ROOT/scripts/bench_vips.py" "$op" "$in" \
                "$WORK/mark_$size.png" "$(geo "$size" 4)" "$(geo "$size" 5)" "$RUNS")
        fi
        read -r p_ms p_mb < <(measure product "$op" "$in" "$size")
        read -r v_ms v_mb < <(measure vips_op "$op" "$in" "$size")
        read -r m_ms m_mb < <(measure magick_op "$op" "$in" "$size")
        awk -v s="$size" -v o="$op" -v i="$inproc" -v vi="$vips_inproc" -v p="$p_ms" \
            -v v="$v_ms" -v m="$m_ms" -v pm="$p_mb" -v vm="$v_mb" -v mm="$m_mb" 'BEGIN {
            r = (vi == "nan") ? "    n/a" : sprintf("%7.2f", i / vi)
            printf "%-5s %-9s | %8.1f %8s %7s | %8.1f %8.1f %8.1f | %4s %4s %4s | %7.2f %7.2f\n",
                s, o, i, vi, r, p, v, m, pm, vm, mm, p / v, p / m }'
    done
done
echo "medians of $RUNS runs after a warm-up; peak RSS: largest step of the per-picture runs."
[ "$HAVE_PYVIPS" = 1 ] ||
    echo "pyvips missing: pip install pyvips for the in-process libvips column."
