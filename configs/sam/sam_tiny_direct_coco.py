# Direct: the project's tiny source SAM (checkpoints/sam_tiny_synthetic_source.pth) on any
# COCO-format dataset (<data_root>/annotations/instances_test.json), box prompts; the
# baseline for configs/wesam/wesam_tiny_box_coco.py.
#   python tools/test.py configs/sam/sam_tiny_direct_coco.py \
#       checkpoints/sam_tiny_synthetic_source.pth \
#       --cfg-options test_dataloader.dataset.data_root=data/kvasir/
_base_ = ['../synthetic/direct_tiny_synthetic.py']
data_root = 'data/coco/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root,
                                   ann_file='annotations/instances_test.json'))
test_dataloader = val_dataloader
