# WeSAM with the patch-4 tiny source SAM (checkpoints/sam_tiny_synthetic_source_p4.pth;
# 4-6x the compute per image of the patch-8 model) on any COCO-format dataset, box
# prompts: exactly the benchmark's method config (../synthetic_p4/wesam_tiny_box_synthetic.py:
# 60 iterations, batch 4, lr 3e-3 and contrastive weight 0.1 chosen on the synthetic
# validation split) with the real-data splits; a test keeps the two identical but for data.
#   python tools/train.py configs/wesam/wesam_tiny_p4_box_coco.py \
#       --work-dir work_dirs/tiny_p4_kvasir \
#       --cfg-options train_dataloader.dataset.data_root=data/kvasir/ \
#                     val_dataloader.dataset.data_root=data/kvasir/ \
#                     test_dataloader.dataset.data_root=data/kvasir/
# Polygon prompts: add model.segmentor.prompt_type=poly (the benchmark runs this config
# for polygons too); point prompts: wesam_tiny_p4_point_coco.py. Direct on the same data:
# configs/sam/sam_tiny_p4_direct_coco.py. On real data these settings are a starting
# point, not a tuned setting.
_base_ = ['../synthetic_p4/wesam_tiny_box_synthetic.py',
          '../_base_/datasets/real_adapt_test.py']
data_root = {{_base_.real_data_root}}
train_dataloader = {{_base_.real_train_dataloader}}
val_dataloader = {{_base_.real_val_dataloader}}
test_dataloader = val_dataloader
