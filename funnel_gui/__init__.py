"""Funnel Explorer: funnel analysis of analytics event exports."""
