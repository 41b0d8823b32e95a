"""Evaluating many instances on a large image costs a bounded number of bytes per
instance-pixel (mmdet's loading and packing, the prompts and the metric each used to copy
every mask: about 13 bytes; now under 4.5)."""
from tools.analysis_tools.many_instances_memory import measure


def test_memory_per_instance_pixel_is_bounded(tmp_path):
    # 20 and 100: both above the predict and metric chunks (16), so the slope is per mask
    result = measure(1000, 1500, [100, 20], str(tmp_path))
    rows = {row['instances']: row for row in result['rows']}
    assert rows[100]['scored_instances'] == 100 and rows[20]['scored_instances'] == 20
    # the masks of the GT, the polygon prompts and the prediction: 3 bytes, plus chunks
    assert result['bytes_per_instance_pixel'] < 4.5, result
