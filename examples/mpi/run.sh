#!/usr/bin/env bash
# Runs allreduce.c as a multi-instance task on a local inter-node pool, through the openbatch CLI.
# Needs a running account service (`openbatch service start`, or the Pulumi stack of this directory)
# and Debian's openmpi-bin/libopenmpi-dev (or mpich/libmpich-dev with MPI=mpich). See README.md.
#   NODES=4 MPI=openmpi|mpich POOL=mpi ./run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
openbatch() { node "$here/../../dist/cli/main.js" "$@"; }
nodes=${NODES:-2}
mpi=${MPI:-openmpi}
pool=${POOL:-mpi}
job=allreduce-$$
work=$(mktemp -d /tmp/openbatch-mpi-example-XXXXXX)

# Local nodes share this machine's file system, so the program is built once where every node sees it.
if [[ $mpi == mpich ]]; then
  mpicc.mpich -O2 -o "$work/allreduce" "$here/allreduce.c"
  launcher=mpiexec.hydra
else
  mpicc -O2 -o "$work/allreduce" "$here/allreduce.c"
  launcher=mpirun
fi

if ! openbatch pool show "$pool" >/dev/null 2>&1; then
  printf '{"id":"%s","vmSize":"standard_d2s_v3","targetDedicatedNodes":%d,"taskSlotsPerNode":1,"enableInterNodeCommunication":true}\n' \
    "$pool" "$nodes" > "$work/pool.json"
  openbatch pool create --json-file "$work/pool.json"
fi
openbatch job create "$job" --pool-id "$pool"
openbatch task add "$job" allreduce --instances "$nodes" --coordination-command "" \
  --command-line "$launcher $work/allreduce"
openbatch job wait "$job" --timeout 5m || true
openbatch task subtasks "$job" allreduce
openbatch task output "$job" allreduce
openbatch job delete "$job" >/dev/null
rm -rf "$work"
