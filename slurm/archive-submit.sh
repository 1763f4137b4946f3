#!/bin/bash
# Submits an archive reprocessing: the array job (slurm/archive.sbatch, one scene per task, at most
# THROTTLE at once) and the summary step that runs after every task has ended, however it ended
# (slurm/collect.py: OUTROOT/summary.csv, one row per scene). Prints the two job ids.
#   slurm/archive-submit.sh [-t THROTTLE] [-- SBATCH FLAGS...] SCENES.txt OUTROOT [swath run flags]
# e.g. slurm/archive-submit.sh -t 8 -- --partition=gpu --account=proj42 scenes.txt /scratch/out
set -eu
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
throttle=8
sb=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t) throttle=$2; shift 2 ;;
    --) shift; while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do sb+=("$1"); shift; done ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 2 ] || { echo "usage: archive-submit.sh [-t THROTTLE] [-- SBATCH FLAGS] SCENES.txt OUTROOT [swath run flags]" >&2; exit 2; }
list=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mkdir -p "$2"
root=$(cd "$2" && pwd)
shift 2
n=$(grep -cv '^[[:space:]]*\(#\|$\)' "$list" || true)
[ "$n" -gt 0 ] || { echo "archive-submit.sh: no scene in $list" >&2; exit 2; }
# Scene names (file name less extension) must be unique: each is a folder of OUTROOT.
dup=$(grep -v '^[[:space:]]*\(#\|$\)' "$list" | xargs -n1 basename | sed 's/\.[^.]*$//' | sort | uniq -d | head -3)
[ -z "$dup" ] || { echo "archive-submit.sh: scene names used twice in $list: $dup" >&2; exit 2; }
array=$(sbatch --parsable "${sb[@]}" --array="0-$((n - 1))%$throttle" --output="$root/swath-archive-%A_%a.out" \
  "$here/archive.sbatch" "$list" "$root" "$@" | cut -d';' -f1)
summary=$(sbatch --parsable "${sb[@]}" --job-name=swath-archive-summary --ntasks=1 --time=00:10:00 \
  --dependency="afterany:$array" --output="$root/swath-archive-summary-%j.out" \
  --wrap="python3 '$here/collect.py' --scenes '$list' --out '$root/summary.csv' '$root'" | cut -d';' -f1)
echo "array $array ($n scenes, $throttle at a time), summary $summary -> $root/summary.csv"
