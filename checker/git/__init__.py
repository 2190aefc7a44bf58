"""Git: the facts a run gathers (run, facts, codeowners, history) and the rules that judge them (rules).

Only checker.gitrepo, below all of these, imports GitPython (lazily).
"""
