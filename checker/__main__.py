from checker.cli import main; raise SystemExit(main())  # noqa: E702
