"""COCO-json instance dataset: every benchmark is converted to this one format."""
import contextlib
import io
from typing import List

from mmdet.datasets import CocoDataset

from mmwesam.registry import DATASETS


@DATASETS.register_module()
class SAMInstanceDataset(CocoDataset):
    """Instances of a COCO-format json (polygons or RLE), class-agnostic for SAM.

    SAM segments whatever it is prompted with, so by default every category of the json
    is kept (``metainfo.classes`` need not be listed in the config). Give
    ``metainfo=dict(classes=(...))`` to keep only some categories.
    """

    METAINFO = dict(classes=(), palette=None)

    def load_data_list(self) -> List[dict]:
        # pycocotools prints 'loading annotations into memory...' for every json it
        # reads; a run reads several, so the tools' output keeps only what they say
        with contextlib.redirect_stdout(io.StringIO()):
            return self._load_data_list()

    def _load_data_list(self) -> List[dict]:
        if not self._metainfo.get('classes'):
            from mmengine.fileio import get_local_path
            with get_local_path(self.ann_file, backend_args=self.backend_args) as path:
                coco = self.COCOAPI(path)
            categories = sorted(coco.load_cats(coco.get_cat_ids()), key=lambda c: c['id'])
            if not categories:
                raise ValueError(f'{self.ann_file}: the json has no "categories"; a COCO '
                                 'instance file needs at least one category')
            self._metainfo['classes'] = tuple(c['name'] for c in categories)
        return super().load_data_list()
