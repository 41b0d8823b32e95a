# wesam_tiny_p4_box_coco.py with point prompts (5 positive + 5 negative points per
# instance): exactly the benchmark's point config
# (../synthetic_p4/wesam_tiny_point_synthetic.py: lr 1e-3 and anchor-loss weight 0.03,
# chosen on the synthetic validation split with points) with the real-data splits;
# a test keeps the two identical but for data.
#   python tools/train.py configs/wesam/wesam_tiny_p4_point_coco.py \
#       --work-dir work_dirs/tiny_p4_point_kvasir \
#       --cfg-options train_dataloader.dataset.data_root=data/kvasir/ \
#                     val_dataloader.dataset.data_root=data/kvasir/ \
#                     test_dataloader.dataset.data_root=data/kvasir/
# Direct with points: configs/sam/sam_tiny_p4_direct_coco.py
#   --cfg-options model.prompt_type=point
_base_ = ['../synthetic_p4/wesam_tiny_point_synthetic.py',
          '../_base_/datasets/real_adapt_test.py']
data_root = {{_base_.real_data_root}}
train_dataloader = {{_base_.real_train_dataloader}}
val_dataloader = {{_base_.real_val_dataloader}}
test_dataloader = val_dataloader
