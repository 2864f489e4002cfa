"""Distributed launches on machines without CUDA (gloo, CPU DDP)."""
import datetime
import os
import subprocess

import torch


def set_launcher_env(launcher):
    """Fill RANK/WORLD_SIZE/LOCAL_RANK/MASTER_* like mmengine's init_dist.

    Args:
        launcher (str): 'slurm', 'mpi' or 'pytorch' (torchrun exports
            everything itself).
    """
    if launcher == 'slurm':
        node_list = os.environ['SLURM_NODELIST']
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            os.environ['MASTER_ADDR'] = subprocess.getoutput(
                f'scontrol show hostname {node_list} | head -n1')
        os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
        os.environ['RANK'] = os.environ['SLURM_PROCID']
        os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    elif launcher == 'mpi':
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            raise KeyError('The environment variable MASTER_ADDR is not set')
        os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
        os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
        os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']


def setup_cpu_distributed(cfg, launcher):
    """Make a distributed launch work on a machine without CUDA.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and the Runner
    wraps the model in ``MMDistributedDataParallel(device_ids=[local_rank])``;
    both fail without CUDA. So, on CPU only: the config's backend becomes
    gloo, the gloo process group is initialised here (the Runner then skips
    its own ``init_dist``), and the DDP wrapper gets ``device_ids=None``
    (CPU modules).

    Args:
        cfg (Config): The config, changed in place.
        launcher (str): 'none', 'pytorch', 'slurm' or 'mpi'.

    Returns:
        list[str]: Notes for the log; empty for ``launcher='none'`` or when
        CUDA is available (nothing is changed then).
    """
    if launcher == 'none' or torch.cuda.is_available():
        return []
    import torch.distributed as torch_dist
    from mmaction.registry import MODEL_WRAPPERS
    from torch.nn.parallel import DistributedDataParallel

    notes = []
    # (Config.setdefault would store a copy: assign, then read back)
    if cfg.get('env_cfg', None) is None:
        cfg.env_cfg = dict()
    if cfg.env_cfg.get('dist_cfg', None) is None:
        cfg.env_cfg.dist_cfg = dict()
    dist_cfg = cfg.env_cfg.dist_cfg
    old_backend = dist_cfg.get('backend', 'nccl')
    if old_backend != 'gloo':
        notes.append(f'no CUDA: env_cfg.dist_cfg.backend {old_backend!r} '
                     "-> 'gloo'")
    dist_cfg['backend'] = 'gloo'

    if not torch_dist.is_initialized():
        set_launcher_env(launcher)
        kwargs = {k: v for k, v in dist_cfg.items() if k != 'backend'}
        if kwargs.get('timeout') is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)
        notes.append(
            f'initialised the gloo process group for launcher {launcher!r} '
            f'(rank {torch_dist.get_rank()} of '
            f'{torch_dist.get_world_size()}) without torch.cuda.set_device')

    strategy = cfg.get('strategy', None)
    if strategy is not None and strategy.get('type') == 'FSDPStrategy':
        # FlexibleRunner: FSDPStrategy passes device_id=LOCAL_RANK (CUDA)
        if strategy.get('model_wrapper', None) is None:
            strategy.model_wrapper = dict()
        strategy.model_wrapper['device_id'] = torch.device('cpu')
        notes.append('no CUDA: FSDP model wrapper with device_id=cpu')

    wrapper_cfg = cfg.get('model_wrapper_cfg', None)
    if wrapper_cfg is None:
        # the Runner's default wrapper, minus the GPU device ids
        wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper_type = MODEL_WRAPPERS.get(
        wrapper_cfg.get('type', 'MMDistributedDataParallel'))
    if isinstance(wrapper_type, type) and issubclass(wrapper_type,
                                                     DistributedDataParallel):
        wrapper_cfg['device_ids'] = None
        notes.append(f"no CUDA: model wrapper {wrapper_cfg['type']} with "
                     'device_ids=None (CPU DDP)')
    cfg.model_wrapper_cfg = wrapper_cfg
    return notes


def shutdown_distributed():
    """Wait for every rank, then destroy the default process group.

    A gloo process group left to the interpreter's exit can abort a rank
    ("terminate called without an active exception") after the work is
    done; the training and test tools end with this call. No-op when no
    process group is initialised.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
