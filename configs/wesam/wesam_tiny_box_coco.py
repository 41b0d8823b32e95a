# WeSAM with the project's tiny source SAM (checkpoints/sam_tiny_synthetic_source.pth,
# trained on the synthetic source domain) on any COCO-format dataset that
# tools/dataset_converters writes (<data_root>/annotations/instances_{adapt,test}.json),
# box prompts. Images of any size are resized to the model's 128 px (longest side); masks
# are predicted, scored and, in training, compared at the image's own size.
#   python tools/train.py configs/wesam/wesam_tiny_box_coco.py --work-dir work_dirs/tiny_kvasir \
#       --cfg-options train_dataloader.dataset.data_root=data/kvasir/ \
#                     val_dataloader.dataset.data_root=data/kvasir/ \
#                     test_dataloader.dataset.data_root=data/kvasir/
#   python tools/test.py configs/wesam/wesam_tiny_box_coco.py work_dirs/tiny_kvasir/iter_300.pth \
#       --cfg-options test_dataloader.dataset.data_root=data/kvasir/
# Direct (no adaptation) on the same data: configs/sam/sam_tiny_direct_coco.py.
# Method, loss weights, lr (1e-3) and the fixed 300-iteration schedule are those of the
# synthetic benchmark (configs/synthetic/wesam_tiny_box_synthetic.py, chosen there on
# validation splits); on real data they are a starting point, not a tuned setting.
_base_ = ['../synthetic/wesam_tiny_box_synthetic.py', '../_base_/datasets/real_adapt_test.py']
data_root = {{_base_.real_data_root}}
train_dataloader = {{_base_.real_train_dataloader}}
val_dataloader = {{_base_.real_val_dataloader}}
test_dataloader = val_dataloader
