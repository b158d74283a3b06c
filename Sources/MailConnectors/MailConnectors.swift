// populated in following commits
