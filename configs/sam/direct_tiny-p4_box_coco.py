# Direct: the tiny source SAM on a converted dataset, no adaptation, box prompts
# (model.prompt_type=point / poly for the other kinds).
#   python tools/test.py configs/sam/direct_tiny-p4_box_coco.py \
#       checkpoints/sam_tiny_synthetic_source_p4.pth \
#       --cfg-options test_dataloader.dataset.data_root=data/kvasir/
_base_ = [
    '../_base_/models/sam_tiny_p4.py', '../_base_/datasets/real_adapt_test.py',
    '../_base_/schedules/schedule_60it.py', '../_base_/default_runtime.py'
]
model = dict(prompt_type='box')
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=60, save_best=None, max_keep_ckpts=1))
