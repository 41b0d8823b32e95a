# Direct: the shipped tiny source SAM evaluated on a target domain, no adaptation.
_base_ = ['./supervised_tiny_synthetic.py']
