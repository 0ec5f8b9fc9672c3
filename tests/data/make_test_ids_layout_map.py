"""Write tests/data/test_ids_layout_map.tsv: for every test id of tests/data/test_ids_before_layout.txt (the
flat tests/ before the move to tests/<app>/test_<module>.py), the id it has now.

Run from the project root with the project's Python: ``python tests/data/make_test_ids_layout_map.py``. It
collects the suite (``pytest --collect-only -q``) and matches each old id, by its test name and parameter id,
inside the modules its old module went to (FILES). RENAMED lists tests whose name changed. It
fails on an old id with no match or with more than one, and on a new id claimed twice.
"""

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent
BEFORE = DATA / "test_ids_before_layout.txt"
MAP = DATA / "test_ids_layout_map.tsv"

# old module -> the modules its tests went to (a module split per app lists several)
FILES = {
    "tests/test_bad_input_bidding.py": ["tests/bidding/test_forms.py"],
    "tests/test_bad_input_catalog.py": ["tests/catalog/test_forms.py"],
    "tests/test_bad_input_evaluation.py": ["tests/evaluation/test_forms.py"],
    "tests/test_bad_input_proposals.py": ["tests/proposals/test_forms.py"],
    "tests/test_bench_dataset.py": ["tests/tools/test_generate_dataset.py"],
    "tests/test_bench_load.py": ["tests/bench/test_load.py"],
    "tests/test_bidding_celery_worker.py": ["tests/bidding/test_tasks.py"],
    "tests/test_bidding_demo.py": ["tests/bidding/test_demo.py"],
    "tests/test_bidding_notices.py": ["tests/bidding/test_services.py"],
    "tests/test_bidding_pages.py": ["tests/bidding/test_views.py"],
    "tests/test_bidding_permissions.py": ["tests/bidding/test_rules.py"],
    "tests/test_bidding_plan_and_progress.py": ["tests/bidding/test_services.py"],
    "tests/test_bidding_submission.py": ["tests/bidding/test_services.py"],
    "tests/test_bidding_visibility.py": ["tests/bidding/test_selectors.py"],
    "tests/test_bidding_withdraw.py": ["tests/bidding/test_services.py"],
    "tests/test_catalog_consultation.py": ["tests/catalog/test_services.py"],
    "tests/test_catalog_demo.py": ["tests/catalog/test_demo.py"],
    "tests/test_catalog_expert_review.py": ["tests/catalog/test_services.py"],
    "tests/test_catalog_expert_unassign.py": ["tests/catalog/test_services.py"],
    "tests/test_catalog_merge.py": ["tests/catalog/test_services.py"],
    "tests/test_catalog_pages.py": ["tests/catalog/test_views.py"],
    "tests/test_catalog_permissions.py": ["tests/catalog/test_rules.py"],
    "tests/test_catalog_public.py": ["tests/catalog/test_views.py"],
    "tests/test_catalog_publish_notifies.py": ["tests/catalog/test_services.py"],
    "tests/test_catalog_publishing.py": ["tests/catalog/test_services.py"],
    "tests/test_catalog_similarity.py": ["tests/catalog/test_similarity.py"],
    "tests/test_evaluation_assessment.py": ["tests/evaluation/test_services.py"],
    "tests/test_evaluation_commission.py": ["tests/evaluation/test_services.py"],
    "tests/test_evaluation_commission_withdraw.py": ["tests/evaluation/test_services.py"],
    "tests/test_evaluation_demo.py": ["tests/evaluation/test_demo.py"],
    "tests/test_evaluation_library.py": ["tests/evaluation/test_views.py"],
    "tests/test_evaluation_permissions.py": ["tests/evaluation/test_rules.py"],
    "tests/test_evaluation_queries.py": ["tests/evaluation/test_views.py"],
    "tests/test_evaluation_results.py": ["tests/evaluation/test_selectors.py"],
    "tests/test_evaluation_scoring.py": ["tests/evaluation/test_rules.py"],
    "tests/test_first_visit_race.py": [
        "tests/bidding/test_services.py",
        "tests/proposals/test_services.py",
    ],
    "tests/test_kernel_deadlines.py": ["tests/reform_portal/test_services.py"],
    "tests/test_kernel_layering.py": ["tests/reform_portal/test_layering.py"],
    "tests/test_kernel_migrations.py": ["tests/reform_portal/test_migrations.py"],
    "tests/test_kernel_pages.py": [
        "tests/reform_portal/test_models.py",
        "tests/reform_portal/test_views.py",
    ],
    "tests/test_kernel_seed_and_settings.py": [
        "tests/config/test_settings.py",
        "tests/tools/test_seed_demo.py",
    ],
    "tests/test_notifications_inbox.py": ["tests/reform_portal/test_notification_views.py"],
    "tests/test_notifications_service.py": ["tests/reform_portal/test_notifications.py"],
    "tests/test_optimistic_locking.py": [
        "tests/bidding/test_views.py",
        "tests/catalog/test_views.py",
        "tests/evaluation/test_views.py",
    ],
    "tests/test_pagination_pages.py": [
        "tests/bidding/test_views.py",
        "tests/catalog/test_views.py",
        "tests/evaluation/test_views.py",
        "tests/reform_portal/test_pagination.py",
    ],
    "tests/test_pdf_rendering.py": ["tests/reform_portal/test_pdf.py"],
    "tests/test_proposals_attachments.py": ["tests/proposals/test_services.py"],
    "tests/test_proposals_history.py": ["tests/proposals/test_services.py"],
    "tests/test_proposals_pages.py": ["tests/proposals/test_views.py"],
    "tests/test_proposals_pdf.py": ["tests/proposals/test_documents.py"],
    "tests/test_proposals_permissions.py": ["tests/proposals/test_rules.py"],
    "tests/test_proposals_reminders.py": ["tests/proposals/test_reminders.py"],
    "tests/test_proposals_submission.py": ["tests/proposals/test_services.py"],
    "tests/test_reminder_log_page.py": ["tests/reform_portal/test_notification_views.py"],
    "tests/test_reminders_beat.py": ["tests/reform_portal/test_tasks.py"],
    "tests/test_reminders_celery_worker.py": ["tests/reform_portal/test_tasks.py"],
    "tests/test_reminders_failures.py": ["tests/reform_portal/test_tasks.py"],
    "tests/test_reminders_idempotency.py": ["tests/reform_portal/test_tasks.py"],
    "tests/test_reminders_offsets.py": ["tests/reform_portal/test_reminders.py"],
    "tests/test_row_locks.py": [
        "tests/bidding/test_services.py",
        "tests/proposals/test_services.py",
    ],
    "tests/test_security_login_and_headers.py": ["tests/config/test_settings.py"],
    "tests/test_security_url_matrix.py": ["tests/config/test_urls.py"],
    "tests/test_stage_reminders.py": [
        "tests/bidding/test_reminders.py",
        "tests/catalog/test_reminders.py",
        "tests/evaluation/test_reminders.py",
    ],
}
# (old module, old test name) -> new test name
RENAMED: dict[tuple[str, str], str] = {
    # issue 14 §2: a forged ?year= now shows the default year instead of "no cycle"
    (
        "tests/test_bad_input_bidding.py",
        "test_matrix_with_a_forged_year_is_no_cycle_not_500",
    ): "test_matrix_with_a_forged_year_is_the_default_year_not_500",
}


def collected(root):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in run.stdout.splitlines() if "::" in line]


def build_map(before, after):
    by_file = {}
    for new_id in after:
        path, _, rest = new_id.partition("::")
        by_file.setdefault(path, {}).setdefault(rest, []).append(new_id)
    rows, claimed, errors = [], set(), []
    for old_id in before:
        path, _, rest = old_id.partition("::")
        name, bracket, param = rest.partition("[")
        name = RENAMED.get((path, name), name)
        wanted = name + bracket + param
        targets = FILES.get(path, [path])  # tests/e2e did not move
        hits = [i for t in targets for i in by_file.get(t, {}).get(wanted, [])]
        if len(hits) != 1:
            errors.append(f"{old_id}: {len(hits)} matches in {targets}")
            continue
        if hits[0] in claimed:
            errors.append(f"{old_id}: {hits[0]} is claimed twice")
        claimed.add(hits[0])
        rows.append((old_id, hits[0]))
    return rows, errors


def main():
    root = DATA.parent.parent
    before = BEFORE.read_text(encoding="utf-8").splitlines()
    rows, errors = build_map(before, collected(root))
    if errors:
        sys.exit("\n".join(errors))
    MAP.write_text("".join(f"{old}\t{new}\n" for old, new in rows), encoding="utf-8")
    print(f"{len(rows)} ids mapped into {MAP.relative_to(root)}")


if __name__ == "__main__":
    main()
