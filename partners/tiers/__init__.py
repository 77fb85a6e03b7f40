"""The tier engine: metrics registry (metrics), configuration (config), the rules for one partner (rules),
set-based recalculation (engine, writes), benefits for other apps (benefits), progress and what-if.

Other apps use ``partners.tiers.benefits`` and ``partners.tiers.metrics`` only.
"""
