"""Convert Pascal VOC 2012 instances (6:1 interleaved) to COCO instance jsons.

    python tools/dataset_converters/voc.py data/VOCdevkit/VOC2012

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.voc import main

if __name__ == '__main__':
    main()
