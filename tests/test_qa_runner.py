"""Video QA, multiple choice and retrieval fine-tuning through the real
runner (tools/train.py, tools/test.py) on generated demo data."""
import os.path as osp

import pytest
import torch

pytestmark = pytest.mark.slow


def test_qa_demo_train_then_test(demo_data, run_tool, tmp_path):
    work = str(tmp_path / 'qa')
    data = [f'train_dataloader.dataset.ann_file={demo_data}/qa_train.json',
            f'train_dataloader.dataset.data_prefix.video={demo_data}',
            f'test_dataloader.dataset.ann_file={demo_data}/qa_val.json',
            f'test_dataloader.dataset.data_prefix.video={demo_data}',
            'test_dataloader.dataset.answer_list='
            f'{demo_data}/qa_answer_list.json',
            f'model.answer_list={demo_data}/qa_answer_list.json',
            f'test_evaluator.baseline_ann_file={demo_data}/qa_train.json']
    run_tool('tools/train.py', 'configs/umt/qa_demo.py', '--work-dir', work,
             '--cfg-options', *data, 'model.pretrained=None',
             'train_cfg.max_epochs=2', 'default_hooks.checkpoint.interval=2',
             timeout=600).check()
    res = run_tool('tools/test.py', 'configs/umt/qa_demo.py',
                   osp.join(work, 'epoch_2.pth'), '--work-dir', work,
                   '--cfg-options', *data, 'model.pretrained=None',
                   timeout=300).check()
    for key in ('qa/acc:', 'qa/acc_color:', 'qa/majority_acc:',
                'qa/type_majority_acc:'):
        assert key in res.output


def test_mc_and_retrieval_ft_demo(demo_data, run_tool, tmp_path, repo_root):
    from mmengine import Config

    from umt_mm.registry import MODELS
    cfg = Config.fromfile(osp.join(repo_root, 'configs/umt/stage2_demo.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = str(tmp_path / 'stage2.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    res = run_tool('tools/test.py', 'configs/umt/mc_demo.py', ckpt,
                   '--work-dir', str(tmp_path / 'mc'), '--cfg-options',
                   f'test_dataloader.dataset.ann_file={demo_data}/mc_val.json',
                   f'test_dataloader.dataset.data_prefix.video={demo_data}',
                   timeout=300).check()
    assert 'mc/acc:' in res.output
    work = str(tmp_path / 'ft')
    res = run_tool(
        'tools/train.py', 'configs/umt/retrieval-ft_demo.py', '--work-dir',
        work, '--cfg-options', f'load_from={ckpt}',
        f'train_dataloader.dataset.ann_file={demo_data}/captions_train.json',
        f'train_dataloader.dataset.data_prefix.video={demo_data}',
        f'val_dataloader.dataset.ann_file={demo_data}/captions_val.json',
        f'val_dataloader.dataset.data_prefix.video={demo_data}',
        'train_cfg.max_epochs=2', timeout=600).check()
    # evaluated after every epoch, before and after VTM re-ranking
    assert res.output.count('retrieval/t2v_R1:') == 2
    assert 'retrieval/dual_v2t_MedR:' in res.output
    assert 'loss_mlm' not in res.output
