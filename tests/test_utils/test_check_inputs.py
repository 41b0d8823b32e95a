"""Config files that cannot be read: the error names the file that is wrong."""
import pytest

from mmwesam.utils.check_inputs import read_config
from mmwesam.utils.package_files import resolve_config


def test_a_syntax_error_in_a_base_file_names_that_file_and_line(tmp_path):
    (tmp_path / 'base.py').write_text("a = 1\nmodel = dict(type='X'\n")
    (tmp_path / 'child.py').write_text("_base_ = ['./base.py']\nb = 2\n")
    with pytest.raises(SystemExit, match=r"child.py: syntax error in .*base.py, line 2: "
                                         r"'\(' was never closed"):
        read_config(str(tmp_path / 'child.py'))


def test_a_missing_base_file_is_named(tmp_path):
    (tmp_path / 'child.py').write_text("_base_ = ['./gone.py']\n")
    with pytest.raises(SystemExit, match=r'child.py: a file it inherits from \(_base_\) is '
                                         r'missing: .*gone.py'):
        read_config(str(tmp_path / 'child.py'))


def test_a_good_config_reads(tmp_path):
    (tmp_path / 'base.py').write_text("a = 1\n")
    (tmp_path / 'child.py').write_text("_base_ = ['./base.py']\nb = 2\n")
    cfg = read_config(str(tmp_path / 'child.py'))
    assert (cfg.a, cfg.b) == (1, 2)


def test_a_config_that_is_nowhere_says_where_it_looked():
    with pytest.raises(FileNotFoundError, match=r"config 'configs/sam/nope.py' not found "
                                                r"\(looked in: configs/sam/nope.py, "):
        resolve_config('configs/sam/nope.py')
