"""Programs use cases, one module per group: lifecycle, applications, enrolment (seats and the
waitlist), agreements, boards, proposal and betas."""
