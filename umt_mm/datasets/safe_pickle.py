"""Load pickles that may only hold numpy arrays and plain containers.

``pickle.load`` runs any callable a file names (``__reduce__``), so a
crafted proposals file executes code. :func:`safe_pickle_load` allows only
the globals needed to rebuild numpy arrays/scalars and ``OrderedDict``;
dicts, lists, tuples, strings and numbers need no globals at all.
"""
import io
import pickle

_ALLOWED = {
    ('collections', 'OrderedDict'),
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', 'scalar'),
}
_NUMPY_DTYPES = ('numpy.dtypes', 'numpy')


class _RestrictedUnpickler(pickle.Unpickler):

    def find_class(self, module, name):
        if (module, name) in _ALLOWED or (
                module in _NUMPY_DTYPES and name.endswith('DType')):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f'refusing to load {module}.{name}: only numpy arrays, dicts, '
            'lists, tuples, strings and numbers are allowed')


def safe_pickle_load(file):
    """Unpickle arrays and containers only.

    Args:
        file (str | file-like): Path or binary file object.

    Returns:
        object: The unpickled data.

    Raises:
        pickle.UnpicklingError: The file names any other global (e.g. a
            ``__reduce__`` payload calling ``os.system``).
    """
    if isinstance(file, (str, bytes)) and not isinstance(file, io.IOBase):
        with open(file, 'rb') as f:
            return _RestrictedUnpickler(f).load()
    return _RestrictedUnpickler(file).load()
