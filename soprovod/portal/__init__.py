"""The client portal (domain.md «client_contact»): a client contact files and follows the
tickets of their own company. Permissions come from ``soprovod.accounts.permissions``; every
write goes through ``soprovod.tickets.actions``."""
