"""TensorBoard logging that is on when the package is installed.

``OptionalTensorboardVisBackend`` is mmengine's ``TensorboardVisBackend``
(scalars, the config and images under ``<work_dir>/<timestamp>/vis_data``)
when ``tensorboard`` can be imported; otherwise it logs once how to turn it
on (``pip install tensorboard``) and does nothing, so configs can list it
unconditionally. View with ``tensorboard --logdir work_dirs``.
"""
import importlib.util

from mmengine.logging import MMLogger
from mmengine.visualization import TensorboardVisBackend

from ..registry import VISBACKENDS


def tensorboard_available() -> bool:
    """Whether ``torch.utils.tensorboard`` can write event files."""
    return importlib.util.find_spec('tensorboard') is not None


@VISBACKENDS.register_module()
class OptionalTensorboardVisBackend(TensorboardVisBackend):
    """:class:`TensorboardVisBackend`, or nothing (with one warning) when
    the ``tensorboard`` package is absent. Same arguments."""

    def _init_env(self) -> None:
        self._tensorboard = None
        if tensorboard_available():
            super()._init_env()
        else:
            MMLogger.get_current_instance().warning(
                'TensorBoard logging is off: the tensorboard package is not '
                'installed (pip install tensorboard to turn it on; the '
                'LocalVisBackend still writes vis_data/scalars.json)')

    def _on(self) -> bool:
        if not self._env_initialized:
            self._init_env()
            self._env_initialized = True
        return self._tensorboard is not None

    def add_config(self, config, **kwargs) -> None:
        if self._on():
            super().add_config(config, **kwargs)

    def add_image(self, name, image, step=0, **kwargs) -> None:
        if self._on():
            super().add_image(name, image, step, **kwargs)

    def add_scalar(self, name, value, step=0, **kwargs) -> None:
        if self._on():
            super().add_scalar(name, value, step, **kwargs)

    def add_scalars(self, scalar_dict, step=0, file_path=None,
                    **kwargs) -> None:
        if self._on():
            super().add_scalars(scalar_dict, step, file_path, **kwargs)

    def close(self) -> None:
        if getattr(self, '_tensorboard', None) is not None:
            super().close()
