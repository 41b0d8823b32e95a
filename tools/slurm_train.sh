#!/usr/bin/env bash
# Training on a Slurm cluster (srun, MMEngine's --launcher slurm), as mmdet's script:
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#       bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [tools/train.py options]
# GPUS is the number of processes (one per GPU) over ceil(GPUS / GPUS_PER_NODE) nodes;
# train_dataloader.batch_size is per process. GRES (default gpu:<processes per node>) is what
# each node asks for; GRES= (empty) asks for none (CPU processes, gloo).
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
shift 4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
TASKS_PER_NODE=$(( GPUS < GPUS_PER_NODE ? GPUS : GPUS_PER_NODE ))
GRES=${GRES-gpu:${TASKS_PER_NODE}}
PYTHON=${PYTHON:-python}
# shellcheck disable=SC2086  # SRUN_ARGS holds several srun options
exec srun -p "$PARTITION" --job-name="$JOB_NAME" ${GRES:+--gres="$GRES"} \
    --ntasks="$GPUS" --ntasks-per-node="$TASKS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 $SRUN_ARGS \
    "$PYTHON" -u "$(dirname "$0")/train.py" "$CONFIG" --work-dir="$WORK_DIR" \
    --launcher slurm "$@"
