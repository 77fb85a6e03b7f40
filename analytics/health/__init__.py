"""The health score: daily per partner, from leading indicators with operator weights; explainable; at-risk digest."""
