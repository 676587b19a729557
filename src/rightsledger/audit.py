"""Compatibility: audits are `rightsledger.workflows.audit`."""

from .workflows.audit import AuditResult, Purchase, answer_of, buy_licences, checkpoint_path, read_report, run_audit

__all__ = ["AuditResult", "Purchase", "answer_of", "buy_licences", "checkpoint_path", "read_report", "run_audit"]
