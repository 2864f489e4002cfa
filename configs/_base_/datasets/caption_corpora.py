# Pre-training corpora of UMT stage 2 in the official annotation format
# ([{"video"|"image": path, "caption": str | [str]}]). Set the paths here.
anno_root = 'data/anno_pretrain'
cc3m = dict(ann_file=f'{anno_root}/cc3m_train.json', data_prefix='data/cc3m')
cc12m = dict(ann_file=f'{anno_root}/cc12m_train.json',
             data_prefix='data/cc12m')
sbu = dict(ann_file=f'{anno_root}/sbu.json', data_prefix='data/sbu')
vg = dict(ann_file=f'{anno_root}/vg.json', data_prefix='data/vg')
coco = dict(ann_file=f'{anno_root}/coco.json', data_prefix='data/coco')
webvid2m = dict(ann_file=f'{anno_root}/webvid_train.json',
                data_prefix='data/webvid')
webvid10m = dict(ann_file=f'{anno_root}/webvid_10m_train.json',
                 data_prefix='data/webvid10m')
# paper corpora: 5M = CC3M + WebVid-2M; 17M = 5M + COCO, VG, SBU, CC12M;
# 25M = 17M with WebVid-10M in place of WebVid-2M
corpora_5m = [cc3m, webvid2m]
corpora_17m = [cc3m, webvid2m, coco, vg, sbu, cc12m]
corpora_25m = [cc3m, webvid10m, coco, vg, sbu, cc12m]
