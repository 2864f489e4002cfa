# TVTSv2 ViT-B/16 pre-training on ASR-transcribed videos at the paper's
# settings (seed 004, Table 8); differences to the official model are
# listed in docs/relatives.md (TVTSv2).
_base_ = [
    '../_base_/models/tvtsv2_vitb16.py',
    '../_base_/datasets/tvtsv2_yttemporal.py',
    '../_base_/schedules/tvtsv2_10e.py', '../_base_/default_runtime.py'
]
