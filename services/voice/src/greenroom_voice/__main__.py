from greenroom_voice.service import main

main()
