#!/usr/bin/env bash
# Multi-GPU training on one node (torchrun, MMEngine's --launcher pytorch):
#   bash tools/dist_train.sh CONFIG GPUS [tools/train.py options]
# NNODES, NODE_RANK, MASTER_ADDR and PORT select a multi-node run, as in mmdet.
set -euo pipefail
CONFIG=$1
GPUS=$2
shift 2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
exec "$PYTHON" -m torch.distributed.run --nnodes="$NNODES" --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" --nproc_per_node="$GPUS" --master_port="$PORT" \
    "$(dirname "$0")/train.py" "$CONFIG" --launcher pytorch "$@"
