# Prompt-free WeSAM: the source model segments a 32 x 32 grid of points; confident,
# stable, non-duplicate masks (NMS) give the fixed box prompts of all three branches.
_base_ = ['./wesam_vit-b_box_2k_coco.py']
model = dict(
    prompt_generator=dict(
        type='GridPromptGenerator', points_per_side=32, pred_iou_thresh=0.88,
        stability_score_thresh=0.95, nms_thresh=0.7, max_instances=40),
    segmentor=dict(prompt_type='box'))
