"""The reporting pages: statistics and activity reports, the funder portal, the observatory,
the platform's exports."""
