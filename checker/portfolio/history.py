"""The manifests' git history: when each entered its stage, and the portfolio at each month end.

Interface (implemented by the history work of issue 12):
- stage_histories(root, rel_paths) -> {rel_path: [StageChange, …] oldest first}
- trend(root, systems, today, policy, stuck_after) -> [MonthPoint, …] for the last 12 month ends
"""

from __future__ import annotations
