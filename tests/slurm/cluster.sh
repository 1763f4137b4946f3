# shellcheck shell=bash
# A private single-node SLURM for the tests (sourced): munged, slurmctld and slurmd on localhost with
# their own key, socket, ports, spool, state, log and pid files under one folder, so that they never
# meet another SLURM or munge on the machine. Needs root (slurmd runs the jobs) and Debian's
# slurm-wlm + munge (cmake/bootstrap.sh installs them). Where SLURM cannot start, the test FAILS
# (exit 1) with the daemons' logs: it never skips.
#
#   slurm_up DIR     start; exports SLURM_CONF; installs an EXIT trap that calls slurm_down
#   slurm_down       cancel this cluster's jobs, then stop exactly the PIDs slurm_up started
#   sj_submit ARGS   sbatch --parsable ARGS, prints the job id
#   sj_wait ID SECS  wait until job (or array task) ID has ended; prints its state and exit code
#                    ("COMPLETED 0:0", "FAILED 3:0", ...); "TIMEOUT" after SECS
#   sj_state ID      the job's state now (PENDING, RUNNING, ...)

SLURM_PIDS=()
SLURM_DIR=

slurm_die() {
  echo "FAIL: slurm: $*"
  local f
  for f in "$SLURM_DIR"/log/*; do
    [ -f "$f" ] && { echo "--- $f (last lines)"; tail -15 "$f"; }
  done
  exit 1
}

# a TCP port on 127.0.0.1 that nothing listens on (random in 20000..39999)
slurm_free_port() {
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

slurm_up() {
  SLURM_DIR=$1
  [ "$(id -u)" -eq 0 ] || slurm_die "the SLURM tests need root (slurmd runs the jobs); uid is $(id -u)"
  local b
  for b in munged mungekey munge unmunge slurmctld slurmd sbatch srun squeue scontrol sinfo scancel; do
    command -v "$b" > /dev/null || slurm_die "'$b' is not installed (cmake/bootstrap.sh installs slurm-wlm and munge)"
  done
  # A test run inside a SLURM job must not talk to that job's cluster.
  local v
  for v in $(compgen -e | grep '^SLURM_'); do unset "$v"; done
  rm -rf "$SLURM_DIR"
  mkdir -p "$SLURM_DIR"/{munge,ctld,slurmd,log,run}
  chmod 755 "$SLURM_DIR"
  chmod 711 "$SLURM_DIR/munge"   # munged: the socket's folder must be reachable by all, writable by none
  trap slurm_down EXIT
  trap 'exit 1' INT TERM HUP   # so that the EXIT trap runs on these too
  local M=$SLURM_DIR/munge
  mungekey --create --keyfile="$M/munge.key" > "$SLURM_DIR/log/mungekey.log" 2>&1 || slurm_die "mungekey failed"
  chmod 400 "$M/munge.key"
  munged -F --key-file="$M/munge.key" --socket="$M/munge.sock" --pid-file="$M/munged.pid" \
    --log-file="$SLURM_DIR/log/munged.log" --seed-file="$M/munged.seed" > "$SLURM_DIR/log/munged.out" 2>&1 &
  SLURM_PIDS+=($!)
  local i
  for i in $(seq 1 40); do
    munge -S "$M/munge.sock" -n 2>/dev/null | unmunge -S "$M/munge.sock" > /dev/null 2>&1 && break
    sleep 0.25
  done
  munge -S "$M/munge.sock" -n 2>/dev/null | unmunge -S "$M/munge.sock" > /dev/null 2>&1 || slurm_die "munged did not start"
  local pc pd
  pc=$(slurm_free_port) && pd=$(slurm_free_port) || slurm_die "no free TCP port on 127.0.0.1"
  [ "$pc" != "$pd" ] || pd=$((pc + 1))
  local cpus
  cpus=$(nproc)
  [ "$cpus" -ge 4 ] || cpus=4   # 2-core machines: 4 CPUs declared (config_overrides) so that 4 ranks fit
  export SLURM_CONF=$SLURM_DIR/slurm.conf
  # cred_expire=5: a requeued job may start again after 6 s (the default, 120 s, is for real
  # clusters); sched_interval / bf_interval: the scheduler looks at pending jobs every second or two.
  cat > "$SLURM_CONF" <<EOF
ClusterName=swathtest
SlurmctldHost=localhost
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$M/munge.sock,cred_expire=5
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$pc
SlurmdPort=$pd
StateSaveLocation=$SLURM_DIR/ctld
SlurmdSpoolDir=$SLURM_DIR/slurmd
SlurmctldPidFile=$SLURM_DIR/run/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/run/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=1
MpiDefault=pmix
ReturnToService=2
JobRequeue=1
KillWait=30
MinJobAge=600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SlurmdParameters=config_overrides
NodeName=localhost CPUs=$cpus RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  slurmctld -D -f "$SLURM_CONF" > "$SLURM_DIR/log/slurmctld.out" 2>&1 &
  SLURM_PIDS+=($!)
  slurmd -D -N localhost -f "$SLURM_CONF" > "$SLURM_DIR/log/slurmd.out" 2>&1 &
  SLURM_PIDS+=($!)
  local t0=$SECONDS
  for i in $(seq 1 120); do
    sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
    sleep 0.25
  done
  sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' ||
    slurm_die "the node did not become idle in 30 s: $(sinfo 2>&1 | tail -2)"
  echo "   slurm: up in $((SECONDS - t0)) s (ports $pc, $pd; $SLURM_DIR)"
}

slurm_down() {
  [ ${#SLURM_PIDS[@]} -gt 0 ] || return 0
  # This cluster's jobs first: their steps are not children of slurmd once started.
  if [ -n "${SLURM_CONF:-}" ] && squeue -h -o %i > "$SLURM_DIR/run/jobs" 2>/dev/null && [ -s "$SLURM_DIR/run/jobs" ]; then
    # shellcheck disable=SC2046  # one word per job id
    scancel --full $(cat "$SLURM_DIR/run/jobs") 2>/dev/null
    local i
    for i in $(seq 1 40); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.25
    done
  fi
  local k p
  for ((k = ${#SLURM_PIDS[@]} - 1; k >= 0; k--)); do   # slurmd, slurmctld, then munged
    p=${SLURM_PIDS[k]}
    kill "$p" 2>/dev/null || continue
    for i in $(seq 1 40); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.25
    done
    kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  SLURM_PIDS=()
}

sj_submit() { sbatch --parsable "$@" | cut -d';' -f1; }

sj_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }

sj_wait() {
  local id=$1 secs=$2 t0=$SECONDS s
  while [ $((SECONDS - t0)) -lt "$secs" ]; do
    s=$(sj_state "$id")
    case "$s" in
      COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)
        echo "$s $(scontrol show job "$id" | sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' | head -1)"
        return 0 ;;
    esac
    sleep 0.5
  done
  echo "TIMEOUT"
  return 1
}
