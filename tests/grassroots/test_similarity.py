from grassroots.similarity import group_suggestions


def test_near_identical_texts_are_grouped_and_different_ones_are_not():
    texts = [
        "赋予科研人员职务科技成果所有权或长期使用权试点",
        "建设长三角科技创新共同体数据共享平台",
        "赋予科研人员职务科技成果所有权或长期使用权的试点",
        "放宽新能源汽车道路测试准入限制",
    ]
    assert group_suggestions(texts) == [[0, 2]]


def test_fewer_than_two_texts_make_no_group():
    assert group_suggestions([]) == []
    assert group_suggestions(["只有一条"]) == []
