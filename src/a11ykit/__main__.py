from a11ykit.cli import main

raise SystemExit(main())
