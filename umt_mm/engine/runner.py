"""``UMTRunner``: mmengine's Runner with the reliability rules of
docs/reliability.md (set by ``runner_type`` in configs/_base_/
default_runtime.py; tools/train.py and tools/test.py use it by default)."""
import copy
import difflib
import inspect
import os.path as osp

from mmaction.registry import RUNNERS
from mmengine.dist import master_only
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from .checkpoint_io import find_resume_checkpoint, fsync_replace
from .loops import data_sampler
from .malloc import DEFAULT_MALLOC, tune_malloc
from .param_groups import merge_optimizer_groups

# top-level config keys read by mmengine/mmaction besides Runner arguments
_OTHER_KEYS = {
    '_base_', 'runner_type', 'custom_imports', 'model_wrapper_cfg',
    'find_unused_parameters', 'activation_checkpointing',
    'efficient_conv_bn_eval', 'compile', 'launcher', 'gpu_ids',
    'vis_backends', 'strategy', 'load_from_options', 'bad_eval_samples'
}
_UPGRADES = {
    'EpochBasedTrainLoop': 'ResumableEpochBasedTrainLoop',
    'IterBasedTrainLoop': 'ResumableIterBasedTrainLoop',
    'CheckpointHook': 'UMTCheckpointHook',
}


def warn_unknown_keys(cfg, logger):
    """Warn about top-level keys that look like a misspelt runner key.

    Configs keep helper variables at the top level (``data_root``,
    ``base_lr``, ...), so only keys close to a known one (``randomnes``)
    are reported.

    Returns:
        list[str]: The warnings issued.
    """
    known = set(inspect.signature(Runner.__init__).parameters) | _OTHER_KEYS
    warnings = []
    for key in cfg.keys():
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.85)
        if close:
            warnings.append(f'config key {key!r} is not used by the runner; '
                            f'did you mean {close[0]!r}?')
            logger.warning(warnings[-1])
    return warnings


def _upgrade_type(cfg, logger, where):
    if isinstance(cfg, dict) and cfg.get('type') in _UPGRADES:
        new = _UPGRADES[cfg['type']]
        logger.info(f"{where}: {cfg['type']} -> {new} (subclass with "
                    'exact resume and safe checkpoints)')
        cfg['type'] = new


def guard_dataloader(dataloader, on_error, num_classes=None):
    """A dataloader config whose dataset is wrapped in ``GuardedDataset``
    (``on_error``) and, for training (``'resample'``), whose
    ``DefaultSampler`` is a ``ResumableSampler``.

    Args:
        dataloader (dict): The dataloader config (left unchanged).
        on_error (str): ``GuardedDataset``'s policy.
        num_classes (int, optional): Label bound of list checks. Defaults
            to None.

    Returns:
        dict: The new config (the input when it is not a config dict).
    """
    if not isinstance(dataloader, dict) or not isinstance(
            dataloader.get('dataset'), dict):
        return dataloader
    dataloader = copy.deepcopy(dataloader)
    if dataloader['dataset'].get('type') != 'GuardedDataset':
        dataloader['dataset'] = dict(
            type='GuardedDataset', dataset=dataloader['dataset'],
            on_error=on_error, num_classes=num_classes)
    sampler = dataloader.get('sampler')
    if on_error == 'resample' and isinstance(sampler, dict) and \
            sampler.get('type') == 'DefaultSampler':
        sampler['type'] = 'ResumableSampler'
    return dataloader


@RUNNERS.register_module()
class UMTRunner(Runner):
    """Runner for umt_mm (see docs/reliability.md).

    On top of mmengine's Runner:

    * datasets are wrapped in ``GuardedDataset`` (annotation lists checked
      at build time; training replaces unloadable samples, val/test fail
      naming the file and line, or with ``bad_eval_samples='skip'`` leave
      out the videos that do not decode, listing them) and
      ``DefaultSampler`` becomes ``ResumableSampler``;
    * ``EpochBasedTrainLoop`` / ``IterBasedTrainLoop`` become
      ``ResumableEpochBasedTrainLoop`` / ``ResumableIterBasedTrainLoop``
      and ``CheckpointHook`` becomes ``UMTCheckpointHook``;
    * ``load_from`` goes through :func:`umt_mm.checkpoint.load_weights`
      (shape mismatches and unexpected keys refused);
    * ``resume='auto'`` without a loadable checkpoint is an error,
      ``resume='auto-or-new'`` starts a new run then; a bad
      ``last_checkpoint`` falls back to the newest loadable checkpoint;
    * checkpoints are written to a temporary file, synced and renamed, and
      carry the training loop's state (known bad samples);
    * optimizer parameter groups with equal settings are merged
      (:mod:`umt_mm.engine.param_groups`; ``optim_wrapper.
      merge_param_groups=False`` keeps mmengine's one group per
      parameter);
    * glibc's malloc thresholds are fixed (``env_cfg.malloc``, see
      :mod:`umt_mm.engine.malloc`; ``env_cfg.malloc=None`` keeps glibc's
      adaptive ones).
    """

    def setup_env(self, env_cfg):
        env_cfg = dict(env_cfg or {})
        malloc = env_cfg.pop('malloc', DEFAULT_MALLOC)
        if malloc is not None and (not isinstance(malloc, dict)
                                   or set(malloc) - set(DEFAULT_MALLOC)):
            raise ValueError(
                'env_cfg.malloc must be None or a dict with keys '
                f'{sorted(DEFAULT_MALLOC)}, got {malloc!r}')
        super().setup_env(env_cfg)
        if malloc is not None:
            tune_malloc(**malloc)

    @classmethod
    def from_cfg(cls, cfg):
        from mmengine.logging import MMLogger
        logger = MMLogger.get_current_instance()
        warn_unknown_keys(cfg, logger)
        cfg = copy.deepcopy(cfg)
        _upgrade_type(cfg.get('train_cfg'), logger, 'train_cfg')
        _upgrade_type((cfg.get('default_hooks') or {}).get('checkpoint'),
                      logger, 'default_hooks.checkpoint')
        return super().from_cfg(cfg)

    def build_optim_wrapper(self, optim_wrapper):
        if not isinstance(optim_wrapper, dict):  # built (resume passes it)
            return super().build_optim_wrapper(optim_wrapper)
        optim_wrapper = copy.copy(optim_wrapper)
        merge = optim_wrapper.pop('merge_param_groups', True)
        optim_wrapper = super().build_optim_wrapper(optim_wrapper)
        if merge:
            removed = merge_optimizer_groups(optim_wrapper)
            if removed:
                self.logger.info(f'Merged {removed} optimizer parameter '
                                 'groups with the settings of another')
        return optim_wrapper

    # --- datasets -----------------------------------------------------------
    def _num_classes(self):
        model = self.cfg.get('model') or {}
        head = model.get('cls_head') or {}
        return head.get('num_classes') if isinstance(head, dict) else None

    def _guard(self, dataloader, on_error):
        return guard_dataloader(dataloader, on_error, self._num_classes())

    def build_train_loop(self, loop):
        if isinstance(loop, dict):
            loop = dict(loop)
            if 'type' not in loop and 'by_epoch' in loop:
                loop['type'] = _UPGRADES['EpochBasedTrainLoop' if loop.pop(
                    'by_epoch') else 'IterBasedTrainLoop']
            _upgrade_type(loop, self.logger, 'train_cfg')
        self._train_dataloader = self._guard(self._train_dataloader,
                                             'resample')
        return super().build_train_loop(loop)

    def _eval_policy(self):
        policy = self.cfg.get('bad_eval_samples', None) or 'raise'
        if policy not in ('raise', 'skip'):
            raise ValueError(f"bad_eval_samples must be 'raise' or 'skip', "
                             f'got {policy!r}')
        return policy

    def build_val_loop(self, loop):
        self._val_dataloader = self._guard(self._val_dataloader,
                                           self._eval_policy())
        return super().build_val_loop(loop)

    def build_test_loop(self, loop):
        self._test_dataloader = self._guard(self._test_dataloader,
                                            self._eval_policy())
        return super().build_test_loop(loop)

    # --- checkpoints --------------------------------------------------------
    def load_or_resume(self):
        """Resume (``resume`` True/'auto'/'auto-or-new') or load weights."""
        if self._has_loaded:
            return
        mode = self._resume
        if mode and self._load_from is None:
            path = find_resume_checkpoint(self.work_dir, self.logger)
            if path is None:
                if mode == 'auto-or-new':
                    self.logger.info(
                        f'No checkpoint in {self.work_dir}: starting a new '
                        'run (--resume auto-or-new)')
                    self._has_loaded = True
                    return
                raise FileNotFoundError(
                    f'--resume: no loadable checkpoint in {self.work_dir} '
                    '(no last_checkpoint and no *.pth). Pass --resume PATH, '
                    'or --resume auto-or-new to start a new run when there '
                    'is nothing to resume.')
            self.logger.info(f'Resuming from {path}')
            self.resume(path)
        elif mode:
            self.resume(self._load_from)
        elif self._load_from is not None:
            self.load_model_weights(self._load_from)
        self._has_loaded = True

    def load_model_weights(self, filename):
        """``load_from``: the whole model's weights through
        :func:`umt_mm.checkpoint.load_weights`, which refuses shape
        mismatches and unexpected/missing keys; ``load_from_options`` in the
        config passes its arguments (e.g. ``allow_missing``,
        ``strict=False``)."""
        from umt_mm.checkpoint import load_weights
        model = self.model.module if is_model_wrapper(self.model) else \
            self.model
        self.logger.info(f'Load checkpoint from {filename}')
        options = dict(self.cfg.get('load_from_options', None) or {})
        load_weights(model, filename, logger=self.logger, **options)

    def load_checkpoint(self, filename, map_location='cpu', strict=True,
                        **kwargs):
        """mmengine's ``load_checkpoint``, strict by default: a resumed
        checkpoint must fit the model exactly (mmengine only warns)."""
        checkpoint = super().load_checkpoint(
            filename, map_location=map_location, strict=strict, **kwargs)
        self._loaded_meta = checkpoint.get('meta', {}) or {}
        return checkpoint

    def resume(self, filename, *args, **kwargs):
        try:
            super().resume(filename, *args, **kwargs)
        except ValueError as e:
            if 'number of parameter groups' not in str(e):
                raise
            raise ValueError(
                f'{filename}: its optimizer state has a different number of '
                f'parameter groups ({e}); a checkpoint saved with one group '
                'per parameter resumes with '
                'optim_wrapper.merge_param_groups=False') from e
        loop = self.train_loop
        state = getattr(self, '_loaded_meta', {}).get('train_loop')
        if state and hasattr(loop, 'load_state_dict'):
            loop.load_state_dict(state)
        # a config without a seed got the checkpoint's seed in resume():
        # the sampler shuffles with it too
        sampler = data_sampler(loop.dataloader)
        if hasattr(sampler, 'seed') and self.seed is not None:
            sampler.seed = self.seed

    @master_only
    def save_checkpoint(self, out_dir, filename, file_client_args=None,
                        save_optimizer=True, save_param_scheduler=True,
                        meta=None, by_epoch=True, backend_args=None):
        """mmengine's ``save_checkpoint`` through a temporary file that is
        synced and renamed (local directories), with the loop state."""
        meta = dict(meta or {})
        loop = self._train_loop
        if hasattr(loop, 'state_dict'):
            meta['train_loop'] = loop.state_dict()
        local = (backend_args is None and file_client_args is None
                 and '://' not in str(out_dir))
        tmp = f'{filename}.tmp' if local else filename
        super().save_checkpoint(
            out_dir, tmp, file_client_args, save_optimizer=save_optimizer,
            save_param_scheduler=save_param_scheduler, meta=meta,
            by_epoch=by_epoch, backend_args=backend_args)
        if local:
            fsync_replace(osp.join(out_dir, tmp), osp.join(out_dir, filename))
