"""mmaction2's ``AVADataset`` with the proposal file read safely."""
import pickle

from mmaction.datasets import AVADataset

from umt_mm.registry import DATASETS
from .safe_pickle import safe_pickle_load


@DATASETS.register_module()
class SafeAVADataset(AVADataset):
    """``AVADataset`` whose ``proposal_file`` goes through
    :func:`~umt_mm.datasets.safe_pickle.safe_pickle_load`.

    mmaction2 reads the proposal pickle with ``pickle.load``, so a crafted
    file runs code when the dataset is built. Here only numpy arrays and
    plain containers are accepted; anything else is refused with an error
    naming the file. Every other argument and behaviour is
    ``AVADataset``'s.

    Args:
        proposal_file (str, optional): The person proposals,
            ``{'video_id,timestamp': (n, 4 or 5) array}``. Defaults to None.
        **kwargs: ``AVADataset``'s other arguments.
    """

    def __init__(self, proposal_file=None, **kwargs):
        super().__init__(proposal_file=None, **kwargs)
        self.proposal_file = proposal_file
        if proposal_file is None:
            return
        try:
            self.proposals = safe_pickle_load(proposal_file)
        except pickle.UnpicklingError as err:
            raise ValueError(
                f'proposal_file {proposal_file}: {err}') from err
        if not isinstance(self.proposals, dict):
            raise ValueError(
                f'proposal_file {proposal_file}: expected a dict '
                "{'video_id,timestamp': array}, got "
                f'{type(self.proposals).__name__}')
