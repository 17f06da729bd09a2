"""An exposition shaped like what flowgate's Prefect collector is to expose
(docs/metrics.md, "Prefect"): every family, with its documented labels, for two
flows. Pushed to flowgate, it stands in for the collector until that exists, so
the Prefect overview's queries can be run against series of the right shape.
`round_number` grows the counters and histograms between pushes."""

FLOWS = (("enrich-leads", "hourly"), ("nightly-etl", "nightly"))
DURATION_BUCKETS = (10, 60, 300, 1800, float("inf"))


def _labels(**labels):
    return "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def exposition(round_number):
    n = round_number
    lines = []

    def family(name, kind, samples):
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{name}{suffix}{_labels(**labels)} {value}" for suffix, labels, value in samples)

    family("prefect_up", "gauge", [("", {}, 1)])
    family("prefect_server_info", "gauge", [("", {"version": "3.1.4"}, 1)])
    runs, finished, durations, lateness, stuck, failures, last_failures, retries = ([] for _ in range(8))
    for flow, deployment in FLOWS:
        key = {"flow_name": flow, "deployment_name": deployment}
        runs += [("", {**key, "state_type": "RUNNING", "state_name": "Running"}, 1),
                 ("", {**key, "state_type": "SCHEDULED", "state_name": "Late"}, 1),
                 ("", {**key, "state_type": "SCHEDULED", "state_name": "Scheduled"}, 3)]
        finished += [("", {**key, "state_type": "COMPLETED", "state_name": "Completed"}, 20 * n),
                     ("", {**key, "state_type": "FAILED", "state_name": "Failed"}, 2 * n)]
        durations += [("_bucket", {**key, "le": "+Inf" if le == float("inf") else str(le)}, (i + 1) * 4 * n)
                      for i, le in enumerate(DURATION_BUCKETS)]
        durations += [("_sum", key, 2400 * n), ("_count", key, 20 * n)]
        lateness.append(("", key, 420))
        stuck.append(("", key, 0))
        failures.append(("", {**key, "exception_type": "TimeoutError"}, 2 * n))
        last_failures.append(("", {**key, "flow_run_id": f"0b7d0000-0000-4000-8000-00000000000{n}",
                                   "flow_run_name": "brave-otter", "state_name": "Failed",
                                   "exception_type": "TimeoutError"}, 1))
        retries.append(("", {"flow_name": flow}, 5 * n))
    family("prefect_flow_runs", "gauge", runs)
    family("prefect_flow_runs_finished_total", "counter", finished)
    family("prefect_flow_run_duration_seconds", "histogram", durations)
    family("prefect_flow_run_lateness_seconds", "gauge", lateness)
    family("prefect_flow_runs_stuck_running", "gauge", stuck)
    family("prefect_flow_run_failures_total", "counter", failures)
    family("prefect_flow_run_last_failure_info", "gauge", last_failures)
    family("prefect_task_runs", "gauge", [("", {"state_type": "RUNNING", "state_name": "Running"}, 4)])
    family("prefect_task_runs_finished_total", "counter",
           [("", {"state_type": "COMPLETED", "state_name": "Completed"}, 90 * n)])
    family("prefect_task_run_retries_total", "counter", retries)
    family("prefect_deployments_total", "gauge", [("", {}, len(FLOWS))])
    family("prefect_info_deployment", "gauge", [
        ("", {"deployment_name": deployment, "flow_name": flow, "work_pool_name": "default",
              "work_queue_name": "default", "status": "READY", "paused": "false",
              "is_schedule_active": "true"}, 1) for flow, deployment in FLOWS])
    family("prefect_work_pools_total", "gauge", [("", {}, 1)])
    family("prefect_info_work_pools", "gauge",
           [("", {"work_pool_name": "default", "type": "process", "status": "READY", "is_paused": "false"}, 1)])
    family("prefect_work_queues_late_runs_count", "gauge",
           [("", {"work_pool_name": "default", "work_queue_name": "default"}, 2)])
    family("prefect_worker_online", "gauge", [("", {"work_pool_name": "default", "worker_name": "worker-1"}, 1)])
    family("prefect_worker_heartbeat_age_seconds", "gauge",
           [("", {"work_pool_name": "default", "worker_name": "worker-1"}, 12)])
    return "\n".join(lines) + "\n"
