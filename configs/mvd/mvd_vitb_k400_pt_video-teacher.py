# MVD single-teacher variant: only the video (VideoMAE) teacher.
_base_ = ['./mvd_vitb_k400_pt.py']
model = dict(
    targets=dict(_delete_=True, vid={{_base_.model.targets.vid}}),
    heads=dict(_delete_=True, vid={{_base_.model.heads.vid}}))
