"""Outbound mail: the SMTP transport, composing and sending receipts and reminders."""
